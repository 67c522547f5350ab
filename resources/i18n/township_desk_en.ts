<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AnswersPanel</name>
    <message>
        <location filename="../../ui/oneform/answers.py" line="16"/>
        <location filename="../../ui/oneform/answers.py" line="36"/>
        <source>尚未收到一表通数据</source>
        <translation>No one-form data received yet</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/oneform/answers.py" line="40"/>
        <source>%1 于 %2 反馈，共 %n 户</source>
        <translation>
            <numerusform>Sent by %1 at %2, %n household</numerusform>
            <numerusform>Sent by %1 at %2, %n households</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/oneform/answers.py" line="42"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
</context>
<context>
    <name>ArrangeableColumns</name>
    <message>
        <location filename="../../ui/table_header.py" line="55"/>
        <source>恢复默认列</source>
        <translation>Default columns</translation>
    </message>
</context>
<context>
    <name>AttachmentStrip</name>
    <message>
        <location filename="../../ui/attachments.py" line="75"/>
        <source>添加照片或文件…</source>
        <translation>Add photo or file…</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="77"/>
        <source>添加签字扫描件…</source>
        <translation>Add signed scan…</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="80"/>
        <source>全部下载到本机</source>
        <translation>Download all to this PC</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="81"/>
        <source>下次同步时下载本记录的全部附件原件，以便离线查看</source>
        <translation>Download every file of this record at the next sync, to see them offline</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="83"/>
        <source>可将文件拖到此处，或按 Ctrl+V 粘贴。</source>
        <translation>Drop files here or paste with Ctrl+V.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="134"/>
        <location filename="../../ui/attachments.py" line="135"/>
        <source>待上传</source>
        <translation>To upload</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="134"/>
        <source>上传中 %1%</source>
        <translation>Uploading %1%</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="135"/>
        <source>已上传</source>
        <translation>Uploaded</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="135"/>
        <source>仅缩略图</source>
        <translation>Preview only</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="136"/>
        <source>已下载</source>
        <translation>Downloaded</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="136"/>
        <source>未下载</source>
        <translation>Not downloaded</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="141"/>
        <source>添加附件</source>
        <translation>Add attachment</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="213"/>
        <location filename="../../ui/attachments.py" line="223"/>
        <source>添加签字扫描件</source>
        <translation>Add signed scan</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="224"/>
        <source>未识别到二维码，请输入表单上的编号（事件编号、户编号或任务编号）：</source>
        <translation>No QR code found. Type the number printed on the form (case, household or task number):</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="231"/>
        <source>打印后记录没有变化。</source>
        <translation>Nothing has changed since it was printed.</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="232"/>
        <source>签字扫描件已关联</source>
        <translation>Signed scan linked</translation>
    </message>
    <message>
        <location filename="../../ui/attachments.py" line="233"/>
        <source>已关联到打印时的记录。打印后的变化：
%1</source>
        <translation>Linked to the record as printed. Changes since printing:
%1</translation>
    </message>
</context>
<context>
    <name>BarChart</name>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="49"/>
        <source>暂无数据</source>
        <translation>No data yet</translation>
    </message>
</context>
<context>
    <name>BurdenPanel</name>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="47"/>
        <source> 周</source>
        <translation> weeks</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="60"/>
        <source>查看这条线的任务</source>
        <translation>Show this line&apos;s tasks</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="63"/>
        <source>千条线：各村（社区）每周承接的部门任务</source>
        <translation>Task load: department tasks landing on each village per week</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="65"/>
        <source>最近</source>
        <translation>Last</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="68"/>
        <source>任务线（同一部门反复下发的同类任务算一条线）</source>
        <translation>Lines of work (similar tasks one department issues again and again count as one line)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="104"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="104"/>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="109"/>
        <source>乡镇本级</source>
        <translation>Township level</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="89"/>
        <source>%1内 %2来自 %3；格中为“任务数/线数”，一周 %4 项及以上标色。</source>
        <translation>%2 on %3 in %1; cells read &quot;tasks/lines&quot;, weeks with %4 or more tasks are shaded.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/taskdesk/burden.py" line="90"/>
        <source>%n 周</source>
        <translation>
            <numerusform>%n week</numerusform>
            <numerusform>%n weeks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/taskdesk/burden.py" line="96"/>
        <source>%n 项任务</source>
        <translation>
            <numerusform>%n task</numerusform>
            <numerusform>%n tasks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/taskdesk/burden.py" line="99"/>
        <source>%n 条线</source>
        <translation>
            <numerusform>%n line</numerusform>
            <numerusform>%n lines</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="112"/>
        <source>%1 起的一周：%2，%3</source>
        <translation>Week from %1: %2 on %3</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="123"/>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="123"/>
        <source>任务线</source>
        <translation>Line of work</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="123"/>
        <source>任务数</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="123"/>
        <source>未完成</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="123"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/burden.py" line="124"/>
        <source>最近下发</source>
        <translation>Last issued</translation>
    </message>
</context>
<context>
    <name>CaseActionBar</name>
    <message>
        <location filename="../../ui/casedesk/action_bar.py" line="31"/>
        <source>办理意见（可多行；退单须写明理由，回访写明居民意见）。Ctrl+Enter 执行突出显示的操作</source>
        <translation>Comment (several lines; a send-back needs its reason, a revisit the resident&apos;s opinion). Ctrl+Enter runs the highlighted step</translation>
    </message>
</context>
<context>
    <name>CaseActions</name>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="10"/>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="10"/>
        <source>网格自办</source>
        <translation>Handle in the grid</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="11"/>
        <source>分派</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="11"/>
        <source>签收</source>
        <translation>Sign for it</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="12"/>
        <source>退单</source>
        <translation>Send back</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="12"/>
        <source>开始处置</source>
        <translation>Start handling</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="13"/>
        <source>申请延期</source>
        <translation>Ask for more time</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="14"/>
        <source>批准延期</source>
        <translation>Grant more time</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="15"/>
        <source>驳回延期</source>
        <translation>Refuse more time</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="15"/>
        <source>回单</source>
        <translation>Report back</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="16"/>
        <source>审核通过</source>
        <translation>Approve</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="16"/>
        <source>退回重办</source>
        <translation>Return for rework</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="17"/>
        <source>办结</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="17"/>
        <source>回访</source>
        <translation>Revisit</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="18"/>
        <source>归档</source>
        <translation>Archive</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="20"/>
        <source>转交部门</source>
        <translation>Escalate</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="20"/>
        <source>吹哨</source>
        <translation>Whistle</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="21"/>
        <source>添加当事人</source>
        <translation>Add a party</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="21"/>
        <source>督办</source>
        <translation>Supervise</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="22"/>
        <source>取消督办</source>
        <translation>End supervision</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="22"/>
        <source>查看电话</source>
        <translation>Show phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="23"/>
        <source>登记</source>
        <translation>Register</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="23"/>
        <source>修改</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="24"/>
        <source>报到</source>
        <translation>Arrival</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="24"/>
        <source>评价</source>
        <translation>Evaluation</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="25"/>
        <source>重复诉求</source>
        <translation>Repeat appeal</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="25"/>
        <source>重新办理</source>
        <translation>Reopened</translation>
    </message>
</context>
<context>
    <name>CaseDeskPage</name>
    <message>
        <location filename="../../ui/casedesk/page.py" line="41"/>
        <source>事件与诉求</source>
        <translation>Cases and requests</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/page.py" line="43"/>
        <source>登记事件…</source>
        <translation>Register a case…</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/page.py" line="148"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/page.py" line="149"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="78"/>
        <source>请在左侧选择一件事件</source>
        <translation>Choose a case on the left</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="81"/>
        <source>打印事件处置单…</source>
        <translation>Print case handling form…</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="92"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="92"/>
        <source>人员</source>
        <translation>By</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="92"/>
        <source>动作</source>
        <translation>Action</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="92"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="92"/>
        <source>意见</source>
        <translation>Comment</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="94"/>
        <source>办理记录</source>
        <translation>Handling log</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="95"/>
        <source>吹哨报到</source>
        <translation>Joint handling</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="96"/>
        <location filename="../../ui/casedesk/detail.py" line="321"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="96"/>
        <source>身份</source>
        <translation>Role</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="96"/>
        <source>电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="97"/>
        <source>当事人</source>
        <translation>Parties</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="103"/>
        <source>附件</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="107"/>
        <source>历史</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="118"/>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="118"/>
        <source>吹哨时间</source>
        <translation>Summoned at</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="118"/>
        <source>报到时间</source>
        <translation>Arrived at</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="118"/>
        <location filename="../../ui/casedesk/detail.py" line="125"/>
        <location filename="../../ui/casedesk/detail.py" line="348"/>
        <location filename="../../ui/casedesk/detail.py" line="352"/>
        <source>评价</source>
        <translation>Evaluation</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="121"/>
        <source>吹哨（召集所选部门）</source>
        <translation>Whistle (summon the ticked departments)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="123"/>
        <source>记录报到</source>
        <translation>Record arrival</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="128"/>
        <source>召集部门</source>
        <translation>Departments to summon</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="192"/>
        <source>未报到</source>
        <translation>Not arrived</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="207"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="210"/>
        <source>临期（下一个工作日前到期）</source>
        <translation>due by the next working day</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="212"/>
        <source>编号</source>
        <translation>No.</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="212"/>
        <source>登记</source>
        <translation>Registered</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="212"/>
        <source>办理期限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="213"/>
        <source>反映人</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="213"/>
        <source>地点</source>
        <translation>Place</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="213"/>
        <source>诉求内容</source>
        <translation>Request</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="220"/>
        <source>工单号</source>
        <translation>Ticket no.</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="220"/>
        <source>分派至</source>
        <translation>Dispatched to</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="220"/>
        <source>重复诉求</source>
        <translation>Repeat appeal</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="220"/>
        <source>原诉求</source>
        <translation>original</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="230"/>
        <source>疑似重复诉求</source>
        <translation>Possible repeat of</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="233"/>
        <location filename="../../ui/casedesk/detail.py" line="246"/>
        <source>督办</source>
        <translation>Supervised</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="238"/>
        <source>回访评价</source>
        <translation>Revisit</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="246"/>
        <source>取消督办</source>
        <translation>End supervision</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="271"/>
        <source>新的办理期限（年-月-日）</source>
        <translation>New deadline (YYYY-MM-DD)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="275"/>
        <source>日期格式应为 2026-12-31</source>
        <translation>Dates look like 2026-12-31</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="279"/>
        <source>请在意见栏写明回访情况（居民的意见）</source>
        <translation>Write what the resident said in the comment box</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="281"/>
        <source>居民满意度</source>
        <translation>Resident&apos;s satisfaction</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="289"/>
        <source>关联重复诉求</source>
        <translation>Link repeat appeal</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="289"/>
        <source>本件重复以下哪件诉求？</source>
        <translation>Which earlier case does this one repeat?</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="361"/>
        <source>打印事件处置单</source>
        <translation>Print case handling form</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="233"/>
        <location filename="../../ui/casedesk/detail.py" line="295"/>
        <source>转交部门</source>
        <translation>Escalated to</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="295"/>
        <source>转交给哪个部门办理</source>
        <translation>Which department takes the case over</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="308"/>
        <source>查看电话</source>
        <translation>Show phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="308"/>
        <source>查看原因（将记入审计日志）</source>
        <translation>Why (recorded in the audit log)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="316"/>
        <source>反映人电话</source>
        <translation>Reporter&apos;s phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="321"/>
        <location filename="../../ui/casedesk/detail.py" line="324"/>
        <source>添加当事人</source>
        <translation>Add a party</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="324"/>
        <source>身份（如：被反映人、邻居）</source>
        <translation>Role (e.g. the person complained about, a neighbour)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="348"/>
        <source>部门到场处置情况</source>
        <translation>How did the department respond on site</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/detail.py" line="352"/>
        <source>评价说明（可不填）</source>
        <translation>Evaluation notes (optional)</translation>
    </message>
</context>
<context>
    <name>CaseList</name>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="30"/>
        <source>按标题、事件编号、12345工单号、地点或反映人姓名、电话查找</source>
        <translation>Search title, case no., 12345 ticket, place, reporter name or phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="67"/>
        <source>超期</source>
        <translation>overdue</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="67"/>
        <source>临期</source>
        <translation>due soon</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="75"/>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="76"/>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="77"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="78"/>
        <source>期限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="79"/>
        <source>工单号</source>
        <translation>Ticket no.</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="80"/>
        <source>反映人</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_list.py" line="81"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
</context>
<context>
    <name>CaseStatuses</name>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="28"/>
        <source>登记</source>
        <translation>Registered</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="28"/>
        <source>受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="29"/>
        <source>网格自办</source>
        <translation>Handled in the grid</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="29"/>
        <source>分派</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="30"/>
        <source>签收</source>
        <translation>Signed for</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="30"/>
        <source>退单</source>
        <translation>Sent back</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="31"/>
        <source>处置中</source>
        <translation>In handling</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="31"/>
        <source>延期申请</source>
        <translation>More time asked</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="32"/>
        <source>回单待审</source>
        <translation>Report under review</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="32"/>
        <source>办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="33"/>
        <source>已回访</source>
        <translation>Revisited</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/labels.py" line="33"/>
        <source>归档</source>
        <translation>Archived</translation>
    </message>
</context>
<context>
    <name>ConflictsTab</name>
    <message>
        <location filename="../../ui/review/conflicts.py" line="38"/>
        <source>同时修改</source>
        <translation>Concurrent edits</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="39"/>
        <source>删除与修改冲突</source>
        <translation>Delete vs. edit</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="40"/>
        <source>状态分歧</source>
        <translation>Diverging status</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="41"/>
        <source>证件号码重复</source>
        <translation>Duplicate ID number</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="42"/>
        <source>户编号重复</source>
        <translation>Duplicate household number</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="62"/>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="62"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="63"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="63"/>
        <source>证件号码</source>
        <translation>Document number</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="64"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="64"/>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="65"/>
        <source>与户主关系</source>
        <translation>Relation to head</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="65"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="66"/>
        <source>现住址</source>
        <translation>Current address</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="66"/>
        <source>备注</source>
        <translation>Notes</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="67"/>
        <source>删除</source>
        <translation>Deleted</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="67"/>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="68"/>
        <source>所属户</source>
        <translation>Household</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="68"/>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="84"/>
        <source>（空）</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="104"/>
        <source>%1 %2 已在用</source>
        <translation>in use by %1 %2</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="124"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="124"/>
        <source>记录</source>
        <translation>Record</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="124"/>
        <source>字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="125"/>
        <source>当前值（作者，时间）</source>
        <translation>Current value (author, time)</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="125"/>
        <source>另一值（作者，时间）</source>
        <translation>Other value (author, time)</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="126"/>
        <source>发现时间</source>
        <translation>Found at</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="137"/>
        <source>保留当前值</source>
        <translation>Keep current value</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="138"/>
        <source>采用另一值</source>
        <translation>Take other value</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="139"/>
        <source>改为新值…</source>
        <translation>Set new value…</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="140"/>
        <source>合并重复人员…</source>
        <translation>Merge duplicates…</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="141"/>
        <source>不是同一人</source>
        <translation>Not the same person</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="142"/>
        <source>重新编号…</source>
        <translation>Renumber…</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="181"/>
        <source>登录城市服务器并同步后，这里会列出您负责区域内需要审核的冲突和重复人员。</source>
        <translation>After you log in to the city server and sync, conflicts and duplicate persons in your area that need review are listed here.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="184"/>
        <source>冲突和重复人员由乡镇（街道）审核。您负责的记录有冲突时，在户籍人口列表和表单中标为“冲突待审”；服务器退回的您的修改见“被退回的修改”。</source>
        <translation>Conflicts and duplicate persons are reviewed by the township. Your records with a conflict are marked &quot;conflict to review&quot; in the register&apos;s lists and forms; your changes the server refused are under &quot;Rejected changes&quot;.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="190"/>
        <source>没有待审核的冲突。</source>
        <translation>No conflicts to review.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="192"/>
        <source>请逐条审核：保留当前值、采用另一值，或改为新值。您的决定会像普通修改一样同步。</source>
        <translation>Review each item: keep the current value, take the other one, or set a new value. Your decision syncs like any other edit.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="218"/>
        <source>两户使用了同一个户编号：点“重新编号…”，比较两户后为其中一户换上本村下一个空闲编号，另一户保留原编号。</source>
        <translation>Two households share one household number: click “Renumber…”, compare them and give one the village&apos;s next free number; the other keeps its number.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="220"/>
        <source>两条人员记录的证件号码相同：是同一人请点“合并重复人员…”，不是请点“不是同一人”。</source>
        <translation>Two person records share an ID number: if they are one person click “Merge duplicates…”, otherwise “Not the same person”.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="258"/>
        <source>已改为新户编号 %1，将随下次同步上传。</source>
        <translation>Given the new household number %1; it is uploaded with the next sync.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="267"/>
        <source>改为新值</source>
        <translation>Set new value</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="267"/>
        <source>新值：</source>
        <translation>New value:</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="270"/>
        <source>确认审核决定</source>
        <translation>Confirm the decision</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="279"/>
        <source>%1保留“%2”，不采用“%3”。</source>
        <translation>Keep “%2” as %1, not “%3”. </translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="281"/>
        <source>%1由“%2”改为“%3”，随下次同步上传。</source>
        <translation>Change %1 from “%2” to “%3”; it goes up with the next sync. </translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="284"/>
        <source>两条记录都保留，今后不再作为重复提示。</source>
        <translation>Both records stay and are no longer offered as duplicates. </translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="285"/>
        <source>该待审项将关闭，所有电脑都不再显示；如需再改，请在记录中直接修改。</source>
        <translation>The item closes and no PC shows it again; to change the value later, edit the record itself.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="291"/>
        <source>已保留当前值。</source>
        <translation>Kept the current value.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="291"/>
        <source>已采用另一值，将随下次同步上传。</source>
        <translation>Took the other value; it goes up with the next sync.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="292"/>
        <source>已改为新值，将随下次同步上传。</source>
        <translation>Set the new value; it goes up with the next sync.</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="293"/>
        <source>已标记为不是同一人。</source>
        <translation>Marked as not the same person.</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <location filename="../../ui/dashboard/page.py" line="46"/>
        <source>在册户数</source>
        <translation>Registered households</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="46"/>
        <source>在册人口</source>
        <translation>Registered persons</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="47"/>
        <source>村（社区）数</source>
        <translation>Villages / communities</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="47"/>
        <source>从未走访的户</source>
        <translation>Households never visited</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="48"/>
        <source>有标签的人员</source>
        <translation>Persons with tags</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="48"/>
        <source>待上传的修改</source>
        <translation>Changes waiting to upload</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="58"/>
        <source>点击打开列表</source>
        <translation>Click to open the list</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/page.py" line="61"/>
        <source>快捷键：Ctrl+F 搜索 · Ctrl+N 新建 · Ctrl+S 保存 · F5 同步</source>
        <translation>Shortcuts: Ctrl+F search · Ctrl+N new · Ctrl+S save · F5 sync</translation>
    </message>
</context>
<context>
    <name>DetailLayout</name>
    <message>
        <location filename="../../ui/detail_layout.py" line="14"/>
        <source>有新数据，保存后刷新</source>
        <translation>Newer data waits: save to refresh</translation>
    </message>
</context>
<context>
    <name>DispatchForm</name>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="14"/>
        <source>分派</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="23"/>
        <source>责任人姓名（可不填）</source>
        <translation>Person responsible (optional)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="25"/>
        <source>（不转部门，由上面的村、网格处置）</source>
        <translation>(no department: the village or grid above handles it)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="29"/>
        <source>分派到村（社区）/网格</source>
        <translation>Dispatch to village / grid</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="30"/>
        <source>责任人</source>
        <translation>Responsible</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="31"/>
        <source>或分派给部门</source>
        <translation>Or dispatch to a department</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/dispatch.py" line="36"/>
        <source>办理意见取自事件面板的意见栏。</source>
        <translation>The comment is taken from the case panel&apos;s comment box.</translation>
    </message>
</context>
<context>
    <name>DuplicatesTab</name>
    <message>
        <location filename="../../ui/review/duplicates.py" line="30"/>
        <source>按姓名拼音、出生日期、性别、电话和同户情况查找可能重复登记的人员（含无证件号码者）。</source>
        <translation>Finds persons who may be registered twice, by pinyin name, birth date, sex, phone and household (people without an ID number included).</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="33"/>
        <source>人员甲</source>
        <translation>Person A</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="33"/>
        <source>人员乙</source>
        <translation>Person B</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="33"/>
        <source>相似度</source>
        <translation>Score</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="33"/>
        <source>理由</source>
        <translation>Reasons</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="38"/>
        <source>扫描本辖区</source>
        <translation>Scan my area</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="39"/>
        <source>合并…</source>
        <translation>Merge…</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="40"/>
        <source>不是同一人</source>
        <translation>Not the same person</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="61"/>
        <source>正在扫描本辖区…</source>
        <translation>Scanning my area…</translation>
    </message>
    <message>
        <location filename="../../ui/review/duplicates.py" line="82"/>
        <source>尚未扫描。每天自动扫描一次，也可随时点“扫描本辖区”。</source>
        <translation>Not scanned yet. A scan runs once a day by itself; press “Scan my area” any time.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review/duplicates.py" line="84"/>
        <source>上次扫描：%1 · 找到 %n 对疑似重复人员。</source>
        <translation>
            <numerusform>Last scan: %1 · %n pair of likely duplicates found.</numerusform>
            <numerusform>Last scan: %1 · %n pairs of likely duplicates found.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ExportProgress</name>
    <message>
        <location filename="../../ui/roster/progress.py" line="45"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ui/roster/progress.py" line="46"/>
        <source>正在读取列表…</source>
        <translation>Reading the list…</translation>
    </message>
    <message>
        <location filename="../../ui/roster/progress.py" line="57"/>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/progress.py" line="66"/>
        <source>正在写入 Excel：%1 / %n 行</source>
        <translation>
            <numerusform>Writing Excel: %1 / %n row</numerusform>
            <numerusform>Writing Excel: %1 / %n rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/progress.py" line="69"/>
        <source>正在读取列表：已读 %n 行</source>
        <translation>
            <numerusform>Reading the list: %n row read</numerusform>
            <numerusform>Reading the list: %n rows read</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <location filename="../../ui/register/filters.py" line="21"/>
        <source>搜索：姓名、拼音首字母、身份证或电话尾号 (Ctrl+F)</source>
        <translation>Search: name, pinyin initials, ID or phone tail (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="57"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="57"/>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="58"/>
        <source>标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="58"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="71"/>
        <source>从未走访 ✕</source>
        <translation>Never visited ✕</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="71"/>
        <source>应走访未走访 ✕</source>
        <translation>Visit overdue ✕</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="91"/>
        <location filename="../../ui/register/filters.py" line="94"/>
        <location filename="../../ui/register/filters.py" line="98"/>
        <location filename="../../ui/register/filters.py" line="104"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../ui/register/filters.py" line="98"/>
        <source>任意标签</source>
        <translation>Any tag</translation>
    </message>
</context>
<context>
    <name>GlobalSearch</name>
    <message>
        <location filename="../../ui/global_search.py" line="13"/>
        <source>人员</source>
        <translation>Person</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="13"/>
        <source>户</source>
        <translation>Household</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="14"/>
        <source>事件</source>
        <translation>Case</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="14"/>
        <source>任务</source>
        <translation>Task</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="26"/>
        <source>搜索 Ctrl+F</source>
        <translation>Search Ctrl+F</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="28"/>
        <source>人员、户、事件、任务：姓名、拼音首字母、身份证或电话尾号、户编号、事件或任务编号</source>
        <translation>Persons, households, cases, tasks: name, pinyin initials, ID or phone tail, household number, case or task number</translation>
    </message>
    <message>
        <location filename="../../ui/global_search.py" line="81"/>
        <source>没有找到</source>
        <translation>Nothing found</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <location filename="../../ui/history_tab.py" line="23"/>
        <source>修改</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="23"/>
        <source>合并重复</source>
        <translation>Duplicate merge</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="24"/>
        <source>冲突待审</source>
        <translation>Conflict for review</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="28"/>
        <source>本事件</source>
        <translation>This case</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="29"/>
        <source>本单位任务</source>
        <translation>Our copy</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="43"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="43"/>
        <source>对象</source>
        <translation>Record</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="43"/>
        <source>字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="43"/>
        <source>原值</source>
        <translation>Old value</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="44"/>
        <source>新值</source>
        <translation>New value</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="44"/>
        <source>修改人</source>
        <translation>By</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="44"/>
        <source>设备</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="44"/>
        <source>来源</source>
        <translation>Origin</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="50"/>
        <source>从服务器获取完整历史</source>
        <translation>Full history from the server</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="52"/>
        <location filename="../../ui/history_tab.py" line="99"/>
        <source>打印历史</source>
        <translation>Print history</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="28"/>
        <source>本户</source>
        <translation>Household</translation>
    </message>
    <message>
        <location filename="../../ui/history_tab.py" line="86"/>
        <source>新建</source>
        <translation>Created</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/history_tab.py" line="91"/>
        <source>本机所知 %n 项变更</source>
        <translation>
            <numerusform>%n change known on this PC</numerusform>
            <numerusform>%n changes known on this PC</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HouseholdPanel</name>
    <message>
        <location filename="../../ui/register/household_panel.py" line="51"/>
        <source>请选择左侧的户或人员，或按 Ctrl+N 新建户</source>
        <translation>Choose a household or person on the left, or press Ctrl+N for a new household</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="63"/>
        <source>成员</source>
        <translation>Members</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="64"/>
        <source>标签</source>
        <translation>Tags</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="65"/>
        <source>走访</source>
        <translation>Visits</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="68"/>
        <source>附件</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="69"/>
        <source>历史</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="103"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="104"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="105"/>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="108"/>
        <source>户口类型</source>
        <translation>Hukou type</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="110"/>
        <source>户别</source>
        <translation>Household kind</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="111"/>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="112"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="113"/>
        <source>保存户信息 (Ctrl+S)</source>
        <translation>Save household (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="115"/>
        <source>新建户 (Ctrl+N)</source>
        <translation>New household (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="116"/>
        <location filename="../../ui/register/household_panel.py" line="275"/>
        <source>打印户情登记表</source>
        <translation>Print household card</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="162"/>
        <source>户情：%1</source>
        <translation>Household: %1</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="199"/>
        <source>新建户</source>
        <translation>New household</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="234"/>
        <source>请选择网格：每户都归一个网格，网格员才能看到并走访这户</source>
        <translation>Choose a grid: every household belongs to one, so that its grid worker sees and visits it</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="326"/>
        <source>（未划分网格）</source>
        <translation>(no grid)</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="328"/>
        <source>（请选择网格）</source>
        <translation>(choose a grid)</translation>
    </message>
    <message>
        <location filename="../../ui/register/household_panel.py" line="340"/>
        <source>（不修改请留空）</source>
        <translation> (leave empty to keep)</translation>
    </message>
</context>
<context>
    <name>IssueTaskForm</name>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="40"/>
        <source>下发任务</source>
        <translation>Issue a task</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="49"/>
        <source>紧急</source>
        <translation>Urgent</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="49"/>
        <source>一般</source>
        <translation>Normal</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="49"/>
        <source>较低</source>
        <translation>Low</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="55"/>
        <source>全乡镇</source>
        <translation>whole township</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="76"/>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="77"/>
        <source>下发部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="78"/>
        <source>任务类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="79"/>
        <source>优先级</source>
        <translation>Priority</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="80"/>
        <source>截止时间</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="81"/>
        <source>下发对象</source>
        <translation>Sent to</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="82"/>
        <source>报表准入目录</source>
        <translation>Request catalogue entry</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="84"/>
        <source>需核对的户籍字段</source>
        <translation>Register fields to verify</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="85"/>
        <source>任务说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="116"/>
        <source>数据用途：%1</source>
        <translation>Purpose of the data: %1</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="117"/>
        <source>本部门没有已批准的报表准入目录（或未连上市级平台），不能下发数据核采任务。</source>
        <translation>Your department has no approved request catalogue entry (or the city server cannot be reached), so no data request can be issued.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="128"/>
        <source>请填写标题</source>
        <translation>Please fill in the title</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="130"/>
        <source>请至少选择一个下发对象</source>
        <translation>Choose at least one township or village</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="133"/>
        <source>数据核采任务须按已批准的报表准入目录下发</source>
        <translation>A data request must be issued under an approved request catalogue entry</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/issue_form.py" line="135"/>
        <source>请至少选择一个需核对的字段</source>
        <translation>Choose at least one field to verify</translation>
    </message>
</context>
<context>
    <name>ListExporter</name>
    <message>
        <location filename="../../ui/roster/export_action.py" line="37"/>
        <source>导出…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <location filename="../../ui/roster/export_action.py" line="39"/>
        <source>把当前列表（按当前筛选条件）导出为 Excel，证件号码和电话脱敏</source>
        <translation>Export the list as shown (current filters) to Excel, ID numbers and phones masked</translation>
    </message>
    <message>
        <location filename="../../ui/roster/export_action.py" line="44"/>
        <source>导出列表</source>
        <translation>Export list</translation>
    </message>
    <message>
        <location filename="../../ui/roster/export_action.py" line="45"/>
        <source>导出用途（记入审计日志）：</source>
        <translation>Purpose of the export (kept in the audit log):</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/export_action.py" line="75"/>
        <source>已导出 %n 行到 %1（证件号码和电话已脱敏，导出已留痕）</source>
        <translation>
            <numerusform>Exported %n row to %1 (ID numbers and phones masked, export audited)</numerusform>
            <numerusform>Exported %n rows to %1 (ID numbers and phones masked, export audited)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/app.py" line="82"/>
        <source>工作台</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="86"/>
        <source>户籍人口</source>
        <translation>Register</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="88"/>
        <source>任务</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="89"/>
        <source>事件</source>
        <translation>Cases</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="90"/>
        <source>待审</source>
        <translation>Review</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="93"/>
        <source>报表</source>
        <translation>Reports</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="94"/>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="97"/>
        <source>基层治理工作台</source>
        <translation>Township Desk</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="292"/>
        <source>%1 · 户籍人口概况</source>
        <translation>%1 · register overview</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="384"/>
        <source>本机尚未绑定账号。请在此登录城市服务器，或运行演示（township-desk demo）。</source>
        <translation>This PC is not enrolled yet. Log in to the city server here, or run the demo (township-desk demo).</translation>
    </message>
</context>
<context>
    <name>MappingTable</name>
    <message>
        <location filename="../../ui/roster/views.py" line="53"/>
        <source>文件中的列</source>
        <translation>Column in the file</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="53"/>
        <source>导入为</source>
        <translation>Import as</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="53"/>
        <source>示例</source>
        <translation>Sample</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="70"/>
        <source>（不导入）</source>
        <translation>(not imported)</translation>
    </message>
</context>
<context>
    <name>MembersTab</name>
    <message>
        <location filename="../../ui/register/members.py" line="84"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="84"/>
        <source>与户主关系</source>
        <translation>Relation to head</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="84"/>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="84"/>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="85"/>
        <source>公民身份号码</source>
        <translation>Resident ID</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="85"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="85"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="87"/>
        <source>添加成员</source>
        <translation>Add member</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="88"/>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="89"/>
        <location filename="../../ui/register/members.py" line="163"/>
        <location filename="../../ui/register/members.py" line="177"/>
        <location filename="../../ui/register/members.py" line="180"/>
        <source>迁至他户</source>
        <translation>Move to household</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="90"/>
        <source>设为户主</source>
        <translation>Make head</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="91"/>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="92"/>
        <location filename="../../ui/register/members.py" line="205"/>
        <source>查看完整号码</source>
        <translation>Show full numbers</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="98"/>
        <location filename="../../ui/register/members.py" line="113"/>
        <source>（户主）</source>
        <translation> (head)</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="163"/>
        <source>目标户的户编号或户主姓名：</source>
        <translation>Household number or head name of the target household:</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="177"/>
        <source>没有找到符合条件的户。</source>
        <translation>No matching household found.</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="180"/>
        <source>将 %1 迁至：</source>
        <translation>Move %1 to:</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="196"/>
        <source>确定删除“%1”？仅用于录入错误；迁出、死亡请修改人员状态。</source>
        <translation>Delete “%1”? Only for entry mistakes; for people who moved away or died, change their status instead.</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="197"/>
        <source>删除人员</source>
        <translation>Delete person</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="206"/>
        <source>请填写查看原因（将记入审计日志）：</source>
        <translation>Reason for viewing (recorded in the audit log):</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="214"/>
        <source>姓名：%1
证件号码：%2
联系电话：%3</source>
        <translation>Name: %1
ID number: %2
Phone: %3</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="216"/>
        <source>完整号码（已记录审计）</source>
        <translation>Full numbers (audited)</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <location filename="../../ui/review/merge.py" line="22"/>
        <source>合并重复人员</source>
        <translation>Merge duplicate persons</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="23"/>
        <source>疑似重复的理由：%1</source>
        <translation>Why they may be one person: %1</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="31"/>
        <source>保留此记录</source>
        <translation>Keep this record</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="41"/>
        <source>合并</source>
        <translation>Merge</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="55"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="56"/>
        <source>证件号码</source>
        <translation>Document number</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="57"/>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="58"/>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="59"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="59"/>
        <source>（户主）</source>
        <translation> (head)</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="60"/>
        <source>现住址</source>
        <translation>Current address</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="61"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="62"/>
        <source>标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="63"/>
        <source>事件当事人 / 报事</source>
        <translation>Case parties / reported cases</translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="71"/>
        <source>合并后，另一条记录将标记为已合并（不会物理删除），并移到保留的记录：%1，%2，%3。</source>
        <translation>After merging, the other record is marked as merged (never physically removed) and moves to the kept one: %1, %2, %3.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review/merge.py" line="72"/>
        <source>标签 %n 个</source>
        <translation>
            <numerusform>%n tag</numerusform>
            <numerusform>%n tags</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review/merge.py" line="73"/>
        <source>事件当事人 %n 条</source>
        <translation>
            <numerusform>%n case party</numerusform>
            <numerusform>%n case parties</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review/merge.py" line="74"/>
        <source>报事记录 %n 条</source>
        <translation>
            <numerusform>%n reported case</numerusform>
            <numerusform>%n reported cases</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/review/merge.py" line="76"/>
        <source>另一条记录是户主：若两人同户，户主改为保留的记录，否则该户暂无户主。</source>
        <translation> The other record is a household head: if both share the household, the kept record becomes head; otherwise the household has no head for now.</translation>
    </message>
</context>
<context>
    <name>NewCaseForm</name>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="33"/>
        <source>登记事件</source>
        <translation>Register a case</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="57"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="57"/>
        <source>身份（如：被反映人、邻居）</source>
        <translation>Role (e.g. the person complained about, a neighbour)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="94"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="95"/>
        <source>诉求类型</source>
        <translation>Request type</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="99"/>
        <source>事件分类</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="100"/>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="101"/>
        <source>反映人</source>
        <translation>Reporter</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="106"/>
        <source>村（社区）/网格/地点</source>
        <translation>Village / grid / place</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="107"/>
        <source>诉求内容</source>
        <translation>Request</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="108"/>
        <source>当事人</source>
        <translation>Parties</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="119"/>
        <source>在户籍中查找：姓名、拼音首字母、证件或手机号尾号</source>
        <translation>Find in the register: name, pinyin initials, ID or phone tail</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="121"/>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="127"/>
        <source>姓名（不在户籍中时直接填写）</source>
        <translation>Name (type it if not in the register)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="130"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="156"/>
        <source>（不指定网格）</source>
        <translation>(no grid)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="183"/>
        <source>户籍中没有找到，请直接填写姓名和电话</source>
        <translation>Not found in the register; type the name and phone</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="86"/>
        <location filename="../../ui/casedesk/case_form.py" line="193"/>
        <source>已关联户籍人员，电话取自户籍</source>
        <translation>Linked to a registered person; the phone comes from the register</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="204"/>
        <source>手工填写的反映人</source>
        <translation>Reporter typed by hand</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="209"/>
        <source>请填写标题</source>
        <translation>Please fill in the title</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="211"/>
        <source>请选择村（社区）</source>
        <translation>Choose the village (community)</translation>
    </message>
    <message>
        <location filename="../../ui/casedesk/case_form.py" line="212"/>
        <source>请选择网格</source>
        <translation>Choose a grid</translation>
    </message>
</context>
<context>
    <name>OneFormPanel</name>
    <message>
        <location filename="../../ui/oneform/panel.py" line="47"/>
        <source>数据已从户籍带出：核对无误直接确认；有误时在表中改正后确认，改正会写回户籍。</source>
        <translation>Values come from the register: confirm them if right; if wrong, correct them in the table and confirm — the correction is written to the register.</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="60"/>
        <source>确认所选户</source>
        <translation>Confirm selected households</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="62"/>
        <source>发送反馈给部门</source>
        <translation>Send the answer to the department</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="85"/>
        <source>数据用途：%1</source>
        <translation>Purpose of the data: %1</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="87"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="87"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="144"/>
        <source>（未填）</source>
        <translation>(not filled in)</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="117"/>
        <location filename="../../ui/oneform/panel.py" line="236"/>
        <source>已核</source>
        <translation>Checked</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="87"/>
        <source>核对人员</source>
        <translation>Person checked</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/oneform/panel.py" line="100"/>
        <source>已核 %1 户，共 %n 户</source>
        <translation>
            <numerusform>%1 of %n household checked</numerusform>
            <numerusform>%1 of %n households checked</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="113"/>
        <source>核对该户的哪一位成员：默认户主，可改选户内任一在册成员</source>
        <translation>Which member of the household is checked: the head by default, or any registered member</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="117"/>
        <source>待核</source>
        <translation>To check</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="152"/>
        <location filename="../../ui/oneform/panel.py" line="161"/>
        <source>已改正并写回户籍</source>
        <translation>Corrected and written back to the register</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="157"/>
        <source>（本机不支持此字段）</source>
        <translation>(field not supported by this client)</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="202"/>
        <source>发送反馈</source>
        <translation>Send feedback</translation>
    </message>
    <message>
        <location filename="../../ui/oneform/panel.py" line="202"/>
        <source>反馈说明（可不填，默认写明已核户数）</source>
        <translation>Note (optional; by default the number of households checked)</translation>
    </message>
</context>
<context>
    <name>PersonForm</name>
    <message>
        <location filename="../../ui/register/person_form.py" line="52"/>
        <source>编辑人员</source>
        <translation>Edit person</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="52"/>
        <source>添加人员</source>
        <translation>Add person</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="59"/>
        <source>居民身份证</source>
        <translation>Resident ID card</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="71"/>
        <source>迁往的省市县（区）或详细地址</source>
        <translation>Province, city, county (district) or full address moved to</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="92"/>
        <source>（未填）</source>
        <translation>(not set)</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="129"/>
        <source>（不修改请留空）</source>
        <translation> (leave empty to keep)</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="141"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="141"/>
        <source>证件类型</source>
        <translation>Document type</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="142"/>
        <source>证件号码</source>
        <translation>Document number</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="142"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="143"/>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="143"/>
        <source>现住址</source>
        <translation>Current address</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="159"/>
        <source>迁入日期</source>
        <translation>Moved in on</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="159"/>
        <source>迁入自</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="160"/>
        <source>迁出日期</source>
        <translation>Moved out on</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="160"/>
        <source>迁往</source>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="168"/>
        <source>死亡日期</source>
        <translation>Date of death</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="171"/>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="171"/>
        <source>民族</source>
        <translation>Ethnicity</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="171"/>
        <source>与户主关系</source>
        <translation>Relation to head</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="171"/>
        <source>人员类别</source>
        <translation>Residence type</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="171"/>
        <source>人员状态</source>
        <translation>Person status</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="172"/>
        <source>政治面貌</source>
        <translation>Political status</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="172"/>
        <source>婚姻状况</source>
        <translation>Marital status</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="172"/>
        <source>文化程度</source>
        <translation>Education</translation>
    </message>
    <message>
        <location filename="../../ui/register/person_form.py" line="233"/>
        <source>注意：该证件号码已登记给 %1。仍可保存，将提交审核合并。</source>
        <translation>Note: this ID number is already registered to %1. You can still save; the pair goes to review for merging.</translation>
    </message>
</context>
<context>
    <name>PhotoViewer</name>
    <message>
        <location filename="../../ui/attachments.py" line="51"/>
        <source>拍摄于 %1</source>
        <translation>Taken %1</translation>
    </message>
</context>
<context>
    <name>PreviewTable</name>
    <message>
        <location filename="../../ui/roster/views.py" line="103"/>
        <source>行号</source>
        <translation>Row</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="103"/>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="103"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="103"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="104"/>
        <source>变化或问题</source>
        <translation>Changes or problems</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="115"/>
        <source>户</source>
        <translation>Household </translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="119"/>
        <source>新增</source>
        <translation>new</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="119"/>
        <source>更新</source>
        <translation>changed</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="119"/>
        <source>无变化</source>
        <translation>unchanged</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="120"/>
        <source>错误</source>
        <translation>error</translation>
    </message>
</context>
<context>
    <name>Printer</name>
    <message>
        <location filename="../../ui/printing.py" line="25"/>
        <source>用途（印在水印上并记入审计日志）：</source>
        <translation>Purpose (printed in the watermark and recorded in the audit log):</translation>
    </message>
    <message>
        <location filename="../../ui/printing.py" line="40"/>
        <source>已生成 %1（%2）：%3</source>
        <translation>Wrote %1 (%2): %3</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/printing.py" line="40"/>
        <source>%n 页</source>
        <translation>
            <numerusform>%n page</numerusform>
            <numerusform>%n pages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/printing.py" line="41"/>
        <source>%n 条记录</source>
        <translation>
            <numerusform>%n record</numerusform>
            <numerusform>%n records</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Punctuation</name>
    <message>
        <location filename="../../ui/punctuation.py" line="17"/>
        <source>%1：%2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../ui/punctuation.py" line="22"/>
        <source>&#x3000;</source>
        <translation> · </translation>
    </message>
    <message>
        <location filename="../../ui/punctuation.py" line="31"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../ui/punctuation.py" line="36"/>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../ui/punctuation.py" line="41"/>
        <source>（%1）</source>
        <translation> (%1)</translation>
    </message>
</context>
<context>
    <name>RateRing</name>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="167"/>
        <source>暂无已办结的记录</source>
        <translation>Nothing finished yet</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="168"/>
        <source>按期 %1 / 共 %2</source>
        <translation>%1 of %2 on time</translation>
    </message>
</context>
<context>
    <name>RegisterLists</name>
    <message>
        <location filename="../../ui/register/lists.py" line="84"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="85"/>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="86"/>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="88"/>
        <location filename="../../ui/register/lists.py" line="109"/>
        <source>村/网格</source>
        <translation>Village/grid</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="91"/>
        <source>公民身份号码</source>
        <translation>Resident ID</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="92"/>
        <location filename="../../ui/register/lists.py" line="111"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="87"/>
        <source>与户主关系</source>
        <translation>Relation</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="64"/>
        <source>被退回</source>
        <translation>rejected</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="66"/>
        <source>冲突待审</source>
        <translation>conflict to review</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="68"/>
        <source>待上传</source>
        <translation>to upload</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="89"/>
        <location filename="../../ui/register/lists.py" line="106"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="93"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="107"/>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="108"/>
        <source>人数</source>
        <translation>Members</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="90"/>
        <location filename="../../ui/register/lists.py" line="110"/>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="112"/>
        <source>上次走访</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <location filename="../../ui/register/lists.py" line="112"/>
        <source>未走访</source>
        <translation>Never</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <location filename="../../ui/register/page.py" line="87"/>
        <source>人员</source>
        <translation>Persons</translation>
    </message>
    <message>
        <location filename="../../ui/register/page.py" line="88"/>
        <source>户</source>
        <translation>Households</translation>
    </message>
    <message>
        <location filename="../../ui/register/page.py" line="106"/>
        <source>导入花名册…</source>
        <translation>Import roster…</translation>
    </message>
    <message>
        <location filename="../../ui/register/page.py" line="306"/>
        <source>没有姓名首字母为“%1”的记录。拼音按每个字的首字母查找：张三 → zs</source>
        <translation>Nothing found with the name initials “%1”. Pinyin is searched by the first letter of each character: 张三 → zs</translation>
    </message>
    <message>
        <location filename="../../ui/register/page.py" line="309"/>
        <source>（滚动加载更多）</source>
        <translation> (scroll for more)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/register/page.py" line="310"/>
        <source>已显示 %n 条</source>
        <translation>
            <numerusform>%n row shown</numerusform>
            <numerusform>%n rows shown</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RejectedTab</name>
    <message>
        <location filename="../../ui/review/page.py" line="40"/>
        <source>记录类型</source>
        <translation>Record type</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="40"/>
        <source>修改的字段</source>
        <translation>Changed fields</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="40"/>
        <source>服务器原因</source>
        <translation>Server reason</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="41"/>
        <source>修改时间</source>
        <translation>Changed at</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="41"/>
        <source>代码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="46"/>
        <source>没有被服务器退回的修改。</source>
        <translation>No changes were rejected by the server.</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="47"/>
        <source>修正后重新提交</source>
        <translation>Resubmit after fixing</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="48"/>
        <source>放弃此修改…</source>
        <translation>Discard this change…</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="49"/>
        <source>打开记录修正</source>
        <translation>Open record to fix</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="92"/>
        <source>打开记录</source>
        <translation>Open record</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="92"/>
        <source>这类记录请在其所在页面修正后，回到这里重新提交。</source>
        <translation>Fix this kind of record on its own page, then come back here and resubmit.</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="103"/>
        <source>放弃修改</source>
        <translation>Discard change</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="103"/>
        <source>请填写放弃原因（将记入审计日志）：</source>
        <translation>Reason for discarding (recorded in the audit log):</translation>
    </message>
</context>
<context>
    <name>RenumberDialog</name>
    <message>
        <location filename="../../ui/review/renumber.py" line="25"/>
        <source>户编号重复</source>
        <translation>Duplicate household number</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="28"/>
        <source>两户使用了同一个户编号 %1（多半是两台电脑离线时各自编了号）。请选择改用本村下一个空闲编号的一户；另一户保留原编号。</source>
        <translation>Two households hold the same household number %1 (most likely two PCs numbered them while offline). Choose the household that takes the village&apos;s next free number; the other keeps its number.</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="33"/>
        <source>先上传的户</source>
        <translation>Reached the server first</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="33"/>
        <source>后上传的户</source>
        <translation>Reached the server second</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="35"/>
        <source>此户重新编号</source>
        <translation>Renumber this household</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="38"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="38"/>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="39"/>
        <source>成员</source>
        <translation>Members</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="40"/>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="41"/>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="53"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="68"/>
        <source>这个组的户编号已用到 9999，无法自动编号：请先在户籍页把其中一户改到另一个组。</source>
        <translation>This group&apos;s numbers are used up to 9999, so none can be given: first move one household to another group on the register page.</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="70"/>
        <source>重新编号</source>
        <translation>Renumber</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="73"/>
        <source>“%1”将改为新户编号 %2，另一户“%3”保留 %4。改号随下次同步上传，打印过的登记表请重新打印。</source>
        <translation>“%1” takes the new household number %2; the other, “%3”, keeps %4. The change goes up with the next sync; reprint any registration forms printed before.</translation>
    </message>
    <message>
        <location filename="../../ui/review/renumber.py" line="79"/>
        <source>改为 %1</source>
        <translation>Change to %1</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <location filename="../../ui/reports/page.py" line="43"/>
        <source>工作概况</source>
        <translation>Work overview</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="45"/>
        <source>未完成任务</source>
        <translation>Open tasks</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="45"/>
        <source>超期任务</source>
        <translation>Overdue tasks</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="46"/>
        <source>在办事件</source>
        <translation>Open cases</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="46"/>
        <source>超期事件</source>
        <translation>Overdue cases</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="47"/>
        <source>已办结事件</source>
        <translation>Closed cases</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="60"/>
        <source>本月</source>
        <translation>This month</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="60"/>
        <source>上月</source>
        <translation>Last month</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="61"/>
        <source>本季度</source>
        <translation>This quarter</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="61"/>
        <source>全部时间</source>
        <translation>All time</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="62"/>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="83"/>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="84"/>
        <source>统计汇总表（本辖区，供上级检查）</source>
        <translation>Inspection summary (your area)</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="88"/>
        <source>导出该村全部户情登记表</source>
        <translation>Export all household cards of the village</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="94"/>
        <source>统计期间</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="96"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="97"/>
        <source>打印件带有水印（用户、时间、用途），每次打印均记入审计日志。</source>
        <translation>Prints carry a watermark (user, time, purpose); every print is recorded in the audit log.</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="127"/>
        <source>统计汇总表</source>
        <translation>Inspection summary</translation>
    </message>
    <message>
        <location filename="../../ui/reports/page.py" line="136"/>
        <source>导出户情登记表</source>
        <translation>Export household cards</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <location filename="../../ui/review/conflicts.py" line="48"/>
        <source>户</source>
        <translation>Households</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="48"/>
        <source>人员</source>
        <translation>Persons</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="49"/>
        <source>标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="49"/>
        <source>走访记录</source>
        <translation>Visit</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="50"/>
        <source>任务</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="50"/>
        <source>任务进度</source>
        <translation>Task progress</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="51"/>
        <source>任务关联户</source>
        <translation>Task household</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="51"/>
        <source>任务反馈</source>
        <translation>Task feedback</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="52"/>
        <source>事件</source>
        <translation>Cases</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="52"/>
        <source>事件处置记录</source>
        <translation>Case log entry</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="53"/>
        <source>事件当事人</source>
        <translation>Case party</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="53"/>
        <source>吹哨报到</source>
        <translation>Joint handling</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="54"/>
        <source>审计记录</source>
        <translation>Audit entry</translation>
    </message>
    <message>
        <location filename="../../ui/review/conflicts.py" line="54"/>
        <source>代码表</source>
        <translation>Code table</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="121"/>
        <source>冲突与重复</source>
        <translation>Conflicts and duplicates</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="122"/>
        <source>被退回的修改</source>
        <translation>Rejected changes</translation>
    </message>
    <message>
        <location filename="../../ui/review/page.py" line="128"/>
        <source>疑似重复人员</source>
        <translation>Likely duplicates</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <location filename="../../ui/roles.py" line="12"/>
        <source>市级管理员</source>
        <translation>City administrator</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="13"/>
        <source>部门用户</source>
        <translation>Department user</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="14"/>
        <source>乡镇管理员</source>
        <translation>Township administrator</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="15"/>
        <source>乡镇工作人员</source>
        <translation>Township staff</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="16"/>
        <source>村（社区）干部</source>
        <translation>Village cadre</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="17"/>
        <source>网格员</source>
        <translation>Grid worker</translation>
    </message>
    <message>
        <location filename="../../ui/roles.py" line="29"/>
        <source>未登录（请在“设置”中登录）</source>
        <translation>Not signed in (sign in under Settings)</translation>
    </message>
</context>
<context>
    <name>RosterFields</name>
    <message>
        <location filename="../../ui/roster/views.py" line="16"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="17"/>
        <source>户主姓名</source>
        <translation>Head&apos;s name</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="18"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="19"/>
        <source>与户主关系</source>
        <translation>Relation to head</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="20"/>
        <source>公民身份号码</source>
        <translation>Resident ID</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="21"/>
        <source>性别</source>
        <translation>Gender</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="22"/>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="23"/>
        <source>民族</source>
        <translation>Ethnicity</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="24"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="25"/>
        <source>现住址</source>
        <translation>Current address</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="26"/>
        <source>家庭住址</source>
        <translation>Household address</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="27"/>
        <source>人员类别</source>
        <translation>Residence type</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="28"/>
        <source>文化程度</source>
        <translation>Education</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="29"/>
        <source>政治面貌</source>
        <translation>Political status</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="30"/>
        <source>婚姻状况</source>
        <translation>Marital status</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="31"/>
        <source>户籍地</source>
        <translation>Hukou address</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="32"/>
        <source>备注</source>
        <translation>Notes</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="33"/>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <location filename="../../ui/roster/views.py" line="34"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
</context>
<context>
    <name>RosterImportWizard</name>
    <message>
        <location filename="../../ui/roster/wizard.py" line="41"/>
        <source>导入花名册</source>
        <translation>Import roster</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="68"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="69"/>
        <location filename="../../ui/roster/wizard.py" line="155"/>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="70"/>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="71"/>
        <location filename="../../ui/roster/wizard.py" line="157"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="87"/>
        <source>请选择村（社区）的花名册：Excel（xlsx、xls）、WPS 另存的 xlsx、ods 或 CSV 文件。表格上方的标题行、合并的户号单元格、表尾的合计和制表人都可以保留。</source>
        <translation>Choose a village&apos;s roster: Excel (xlsx, xls), an xlsx saved from WPS, ods or CSV. Title rows above the table, merged household cells and footer lines (totals, compiled by) may stay.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="90"/>
        <source>选择文件…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="92"/>
        <source>下载空白模板…</source>
        <translation>Blank template…</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="114"/>
        <source>（户号已是18位户编号）</source>
        <translation>(household numbers are already 18-digit)</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="116"/>
        <source>户号只是村里的编号（如 12、3-12）或表中没有户号时，所属村（社区）：</source>
        <translation>If household numbers are the village&apos;s own (like 12, 3-12) or missing, the village:</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="130"/>
        <source>全部导入（仍有问题时不导入）</source>
        <translation>Import everything (not while problems remain)</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="131"/>
        <source>只导入没有问题的户，其余保存为问题行工作簿</source>
        <translation>Import only households without problems; save the rest as a workbook to fix</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="137"/>
        <source>保存问题行…</source>
        <translation>Save rows with problems…</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="155"/>
        <source>预览</source>
        <translation>Preview</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="157"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="197"/>
        <source>选择花名册</source>
        <translation>Choose a roster</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="203"/>
        <source>下载空白模板</source>
        <translation>Blank template</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="207"/>
        <source>模板已保存到 %1。</source>
        <translation>Template saved to %1.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="211"/>
        <source>正在读取 %1 …</source>
        <translation>Reading %1 …</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="222"/>
        <source>%1：工作表“%2”，表头在第 %3 行。</source>
        <translation>%1: sheet “%2”, header in row %3.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="229"/>
        <source>已按上次确认的对应关系填好。</source>
        <translation>Filled in with the mapping you confirmed last time.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="230"/>
        <source>已按列名自动对应，请核对；不导入的列选“（不导入）”。</source>
        <translation>Matched by column names; please check. Choose “(not imported)” for columns to leave out.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="232"/>
        <source>未导入的列：%1。</source>
        <translation> Columns not imported: %1.</translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="259"/>
        <source>新增 %1、%2；更新 %6、%3；无变化 %4 条；问题 %5 处。</source>
        <translation>New: %1, %2; updated: %6, %3; unchanged: %4; problems: %5.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/wizard.py" line="291"/>
        <source>已保存 %n 行到 %1。在 Excel 中改正后，可再次导入这个文件。文件含完整证件号码和电话，保存已记入审计日志，请妥善保管。</source>
        <translation>
            <numerusform>Saved %n row to %1. Fix it in Excel, then import this file again. The file holds full ID numbers and phones: saving it was recorded in the audit log; keep it safe.</numerusform>
            <numerusform>Saved %n rows to %1. Fix them in Excel, then import this file again. The file holds full ID numbers and phones: saving it was recorded in the audit log; keep it safe.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="304"/>
        <source>导入完成：新增 %1、%2，更新 %5、%3，写入 %4。</source>
        <translation>Import done: %1 and %2 new, %5 and %3 updated, %4 written.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/wizard.py" line="308"/>
        <source>%n 条记录</source>
        <translation>
            <numerusform>%n record</numerusform>
            <numerusform>%n records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/wizard.py" line="310"/>
        <source>有问题的 %n 户未导入，请保存问题行改正后再导入。</source>
        <translation>
            <numerusform> %n household with problems was not imported; save the rows with problems, fix and import them.</numerusform>
            <numerusform> %n households with problems were not imported; save the rows with problems, fix and import them.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="264"/>
        <source>无法对应的%1“%2”：第 %3 行</source>
        <translation>%1 value “%2” not recognised: rows %3</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/wizard.py" line="271"/>
        <source>%n 户</source>
        <translation>
            <numerusform>%n household</numerusform>
            <numerusform>%n households</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/roster/wizard.py" line="274"/>
        <source>%n 人</source>
        <translation>
            <numerusform>%n person</numerusform>
            <numerusform>%n persons</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/roster/wizard.py" line="285"/>
        <location filename="../../ui/roster/wizard.py" line="290"/>
        <source>保存问题行</source>
        <translation>Save rows with problems</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../../ui/preferences/page.py" line="53"/>
        <location filename="../../ui/preferences/page.py" line="126"/>
        <source>界面语言</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="60"/>
        <source>语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="61"/>
        <source>更改语言后，重新启动程序生效。</source>
        <translation>A new language takes effect after restarting the program.</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="65"/>
        <source>城市服务器与账号</source>
        <translation>City server and account</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="72"/>
        <source>登录并绑定本机</source>
        <translation>Log in and enrol this PC</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="76"/>
        <source>当前账号</source>
        <translation>Current account</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="77"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="78"/>
        <source>用户名</source>
        <translation>Username</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="79"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="89"/>
        <source>演示账号（密码均为 %1）：</source>
        <translation>Demo accounts (password %1 for all): </translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="106"/>
        <source>偏好</source>
        <translation>Preferences</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="109"/>
        <source> 分钟</source>
        <translation> min</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="110"/>
        <source>不自动同步</source>
        <translation>No automatic sync</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="116"/>
        <source> 毫秒</source>
        <translation> ms</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="120"/>
        <source>自动同步间隔</source>
        <translation>Automatic sync every</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="121"/>
        <source>搜索输入停顿</source>
        <translation>Search typing pause</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="126"/>
        <source>已保存。重新启动程序后使用新的界面语言。</source>
        <translation>Saved. The new interface language is used after restarting the program.</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="131"/>
        <location filename="../../ui/preferences/page.py" line="150"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="131"/>
        <source>请填写服务器地址、用户名和密码。</source>
        <translation>Please enter the server address, username and password.</translation>
    </message>
    <message>
        <location filename="../../ui/preferences/page.py" line="150"/>
        <source>登录成功，本机已绑定。现在按新账号重新打开。</source>
        <translation>Logged in; this PC is bound to the account. The client now reopens as that account.</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../ui/status_bar.py" line="92"/>
        <source>立即同步 (F5)</source>
        <translation>Sync now (F5)</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="149"/>
        <source>尚未配置同步服务器，请在“设置”中填写服务器地址并登录。</source>
        <translation>No sync server is set up yet: enter the server address and log in under Settings.</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="162"/>
        <source>正在后台同步，完成后自动更新</source>
        <translation>Syncing in the background; the screen updates when it is done</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="168"/>
        <source>同步失败，修改已保存在本机，稍后会重试。</source>
        <translation>Sync failed; your changes are kept on this PC and will be retried.</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="172"/>
        <source>同步完成</source>
        <translation>Sync finished</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="202"/>
        <source>● 未连接服务器</source>
        <translation>● No server</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="206"/>
        <source>● 已同步 %1</source>
        <translation>● Synced %1</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="210"/>
        <source>● 未同步</source>
        <translation>● Not synced yet</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="229"/>
        <source>首次同步：正在从城市服务器下载本辖区数据…</source>
        <translation>First sync: downloading your area&apos;s data from the city server…</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="208"/>
        <source>● 在线</source>
        <translation>● Online</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="204"/>
        <source>● 离线</source>
        <translation>● Offline</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/status_bar.py" line="220"/>
        <source>待上传 %n 条</source>
        <translation>
            <numerusform>%n to upload</numerusform>
            <numerusform>%n to upload</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/status_bar.py" line="221"/>
        <source>被退回 %n 条</source>
        <translation>
            <numerusform>%n rejected</numerusform>
            <numerusform>%n rejected</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="223"/>
        <source>上次同步：%1</source>
        <translation>Last sync: %1</translation>
    </message>
    <message>
        <location filename="../../ui/status_bar.py" line="223"/>
        <source>从未</source>
        <translation>never</translation>
    </message>
</context>
<context>
    <name>TagForm</name>
    <message>
        <location filename="../../ui/register/small_forms.py" line="39"/>
        <source>添加标签</source>
        <translation>Add tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="44"/>
        <source>有结束日期</source>
        <translation>Has end date</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="49"/>
        <source>标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="50"/>
        <source>开始日期</source>
        <translation>Start date</translation>
    </message>
</context>
<context>
    <name>TagsTab</name>
    <message>
        <location filename="../../ui/register/members.py" line="223"/>
        <source>标签</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="223"/>
        <source>对象</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="223"/>
        <source>开始日期</source>
        <translation>Start date</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="223"/>
        <source>结束日期</source>
        <translation>End date</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="224"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="226"/>
        <source>给户添加标签</source>
        <translation>Tag household</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="227"/>
        <source>给所选成员添加标签</source>
        <translation>Tag selected member</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="228"/>
        <location filename="../../ui/register/members.py" line="262"/>
        <source>移除标签</source>
        <translation>Remove tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="233"/>
        <source>本户</source>
        <translation>Household</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="235"/>
        <source>有效</source>
        <translation>Active</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="235"/>
        <source>已过期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="248"/>
        <source>添加标签</source>
        <translation>Add tag</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="248"/>
        <source>请先在“成员”页选择一位成员。</source>
        <translation>Select a member on the Members tab first.</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="262"/>
        <source>确定移除标签“%1”？</source>
        <translation>Remove the tag “%1”?</translation>
    </message>
</context>
<context>
    <name>TaskActions</name>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="10"/>
        <source>接收</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="10"/>
        <source>完成</source>
        <translation>Complete</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="11"/>
        <source>退回</source>
        <translation>Return</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="11"/>
        <source>重新下发</source>
        <translation>Reissue</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="12"/>
        <source>重新打开</source>
        <translation>Reopen</translation>
    </message>
</context>
<context>
    <name>TaskDeskPage</name>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="51"/>
        <source>任务收件箱：上级部门下发的任务</source>
        <translation>Task inbox: tasks sent down by the departments</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="52"/>
        <source>本部门下发的任务及各乡镇（村）办理进度</source>
        <translation>Tasks issued by this department and each township&apos;s (village&apos;s) progress</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="55"/>
        <source>搜索标题、任务编号或部门</source>
        <translation>Search title, task number or department</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="63"/>
        <source>千条线</source>
        <translation>Task load</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="65"/>
        <source>各村（社区）每周承接多少部门任务、来自几条线</source>
        <translation>How many department tasks each village takes on per week, and on how many lines</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="70"/>
        <source>全部部门</source>
        <translation>All departments</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="70"/>
        <source>全部村（社区）</source>
        <translation>All villages</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="71"/>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="71"/>
        <source>全部类型</source>
        <translation>All kinds</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="125"/>
        <source>筛选</source>
        <translation>Filter</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="226"/>
        <source>（滚动加载更多）</source>
        <translation> (scroll for more)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="227"/>
        <source>本组 %1 项，已显示 %2 项</source>
        <translation>%1 in this group, %2 shown</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/taskdesk/page.py" line="341"/>
        <source>任务已下发到 %n 个乡镇（村）。同步后对方即可收到。</source>
        <translation>
            <numerusform>The task was issued to %n township (village). It receives it after the next sync.</numerusform>
            <numerusform>The task was issued to %n townships (villages). They receive it after the next sync.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="60"/>
        <source>下发新任务…</source>
        <translation>Issue a task…</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/page.py" line="340"/>
        <source>下发任务</source>
        <translation>Issue a task</translation>
    </message>
</context>
<context>
    <name>TaskDetailPanel</name>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="49"/>
        <location filename="../../ui/taskdesk/detail.py" line="157"/>
        <source>请在左侧选择一项任务</source>
        <translation>Choose a task on the left</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="52"/>
        <source>打印任务清单/反馈单…</source>
        <translation>Print task sheet / feedback form…</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="60"/>
        <location filename="../../ui/taskdesk/detail.py" line="238"/>
        <source>指派到村…</source>
        <translation>Assign to a village…</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="63"/>
        <location filename="../../ui/taskdesk/detail.py" line="98"/>
        <location filename="../../ui/taskdesk/detail.py" line="343"/>
        <source>关联户</source>
        <translation>Households</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="64"/>
        <source>反馈</source>
        <translation>Feedback</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="67"/>
        <source>一表通</source>
        <translation>One form</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="70"/>
        <source>任务说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="72"/>
        <source>收到的数据</source>
        <translation>Data received</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="78"/>
        <source>附件（下发与反馈）</source>
        <translation>Files (issued and feedback)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="82"/>
        <source>历史</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="89"/>
        <source>户编号</source>
        <translation>Household no.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="89"/>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="89"/>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="89"/>
        <location filename="../../ui/taskdesk/detail.py" line="255"/>
        <source>已处理</source>
        <translation>Handled</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="96"/>
        <source>户编号、户内人员姓名或拼音首字母</source>
        <translation>Household number, a member&apos;s name or pinyin initials</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="100"/>
        <source>取消关联</source>
        <translation>Unlink</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="102"/>
        <location filename="../../ui/taskdesk/detail.py" line="351"/>
        <source>关联人员</source>
        <translation>Link person</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="103"/>
        <source>任务针对户内某一人时：按姓名、拼音首字母或证件尾号找到此人并关联</source>
        <translation>When the task concerns one member of a household: find them by name, initials or ID tail and link them</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="121"/>
        <source>向下发部门报告进展，例如：已入户核实28户，2户外出已电话联系。</source>
        <translation>Report progress to the department, e.g. 28 households visited, 2 away and reached by phone.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="123"/>
        <source>发送反馈</source>
        <translation>Send</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="202"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="202"/>
        <source>即将到期</source>
        <translation>Due soon</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="204"/>
        <source>下发部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="204"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="204"/>
        <source>下发对象</source>
        <translation>Sent to</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="205"/>
        <source>截止时间</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="205"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="205"/>
        <source>进度</source>
        <translation>Progress</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/taskdesk/detail.py" line="206"/>
        <location filename="../../ui/taskdesk/detail.py" line="306"/>
        <source>%1/%n 户</source>
        <translation>
            <numerusform>%1/%n household</numerusform>
            <numerusform>%1/%n households</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="215"/>
        <source>指派</source>
        <translation>Assigned</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="215"/>
        <source>责任人</source>
        <translation>Person in charge</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="218"/>
        <source>需核对的户籍字段</source>
        <translation>Register fields to verify</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="238"/>
        <source>指派责任人…</source>
        <translation>Assign a person…</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="252"/>
        <source>%1（核对：%2）</source>
        <translation>%1 (checking: %2)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="255"/>
        <source>未处理</source>
        <translation>Not handled</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="272"/>
        <source>退回原因</source>
        <translation>Why is the task returned</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="304"/>
        <source>向%1报告完成情况（必填，一句话）。</source>
        <translation>Report to %1 how the task was completed (required, one line).</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="306"/>
        <source>已处理：%1</source>
        <translation>Handled: %1</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="308"/>
        <source>完成后不能撤回，需改动时只能由下发部门重新打开。</source>
        <translation>Completing cannot be undone: only the issuing department can reopen the task.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="309"/>
        <location filename="../../ui/taskdesk/detail.py" line="313"/>
        <source>完成任务</source>
        <translation>Complete the task</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="313"/>
        <source>请写明完成情况，任务未完成。</source>
        <translation>Write how the task was completed. The task was not completed.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="320"/>
        <source>指派责任人</source>
        <translation>Assign a person</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="320"/>
        <source>交给谁办理（如本村网格员姓名）</source>
        <translation>Who does it (e.g. the grid worker&apos;s name)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="330"/>
        <location filename="../../ui/taskdesk/detail.py" line="334"/>
        <source>指派到村</source>
        <translation>Assign to a village</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="330"/>
        <source>交给哪个村（社区）办理</source>
        <translation>Which village (community) handles it</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="334"/>
        <source>责任人（可不填）</source>
        <translation>Person in charge (optional)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="343"/>
        <source>在任务范围内没有找到匹配的户</source>
        <translation>No matching household within the task&apos;s area</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="343"/>
        <source>选择要关联的户</source>
        <translation>Choose the household to link</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="351"/>
        <source>在任务范围内没有找到匹配的人员</source>
        <translation>No matching person within the task&apos;s area</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="351"/>
        <source>选择要关联的人员</source>
        <translation>Choose the person to link</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="422"/>
        <location filename="../../ui/taskdesk/detail.py" line="432"/>
        <source>打印任务清单/反馈单</source>
        <translation>Print task sheet / feedback form</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/detail.py" line="422"/>
        <source>打印哪个村（社区）的清单</source>
        <translation>Print the sheet of which village (community)</translation>
    </message>
</context>
<context>
    <name>TaskFields</name>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="22"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="22"/>
        <source>现住址</source>
        <translation>Current address</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="23"/>
        <source>人员类别</source>
        <translation>Residence type</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="23"/>
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="24"/>
        <source>户籍地</source>
        <translation>Registered residence</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="24"/>
        <source>政治面貌</source>
        <translation>Political status</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="25"/>
        <source>婚姻状况</source>
        <translation>Marital status</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="25"/>
        <source>文化程度</source>
        <translation>Education</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="26"/>
        <source>民族</source>
        <translation>Ethnicity</translation>
    </message>
</context>
<context>
    <name>TaskGroups</name>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="19"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="19"/>
        <source>今日到期</source>
        <translation>Due today</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="20"/>
        <source>进行中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="20"/>
        <source>已完成</source>
        <translation>Completed</translation>
    </message>
</context>
<context>
    <name>TaskInbox</name>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="25"/>
        <source>任务</source>
        <translation>Task</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="25"/>
        <source>下发对象</source>
        <translation>Sent to</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="26"/>
        <source>截止时间</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="26"/>
        <source>进度（户）</source>
        <translation>Progress (households)</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="27"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="27"/>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="28"/>
        <source>任务编号</source>
        <translation>Task no.</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="28"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/inbox.py" line="29"/>
        <source>即将到期</source>
        <translation>Due soon</translation>
    </message>
</context>
<context>
    <name>TaskKinds</name>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="18"/>
        <source>走访巡查</source>
        <translation>Visit / inspection</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="18"/>
        <source>数据核采</source>
        <translation>Data verification</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="19"/>
        <source>指令下达</source>
        <translation>Instruction</translation>
    </message>
</context>
<context>
    <name>TaskStatuses</name>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="15"/>
        <source>未接收</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="15"/>
        <source>进行中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="16"/>
        <source>已完成</source>
        <translation>Completed</translation>
    </message>
    <message>
        <location filename="../../ui/taskdesk/labels.py" line="16"/>
        <source>已退回</source>
        <translation>Returned</translation>
    </message>
</context>
<context>
    <name>UpdateOffer</name>
    <message>
        <location filename="../../ui/update_offer.py" line="53"/>
        <location filename="../../ui/update_offer.py" line="64"/>
        <location filename="../../ui/update_offer.py" line="67"/>
        <location filename="../../ui/update_offer.py" line="80"/>
        <source>软件更新</source>
        <translation>Software update</translation>
    </message>
    <message>
        <location filename="../../ui/update_offer.py" line="53"/>
        <source>新版本 %1 已下载并通过签名校验，下次启动时可以安装。</source>
        <translation>Version %1 has been downloaded and its signature verified; it can be installed at the next start.</translation>
    </message>
    <message>
        <location filename="../../ui/update_offer.py" line="63"/>
        <source>新版本 %1 已下载并通过签名校验。现在安装吗？</source>
        <translation>Version %1 has been downloaded and its signature verified. Install it now?</translation>
    </message>
    <message>
        <location filename="../../ui/update_offer.py" line="67"/>
        <source>这是开发环境，不能自动安装。安装文件：%1</source>
        <translation>This is a development installation and cannot install automatically. The build file: %1</translation>
    </message>
    <message>
        <location filename="../../ui/update_offer.py" line="80"/>
        <source>新版本已安装到 %1，请从那里启动。</source>
        <translation>The new version is installed in %1; start it from there.</translation>
    </message>
</context>
<context>
    <name>VisitForm</name>
    <message>
        <location filename="../../ui/register/small_forms.py" line="66"/>
        <source>添加走访记录</source>
        <translation>Add visit</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="71"/>
        <source>入户</source>
        <translation>Home visit</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="71"/>
        <source>电话</source>
        <translation>Phone call</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="71"/>
        <source>集中</source>
        <translation>Group meeting</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="76"/>
        <source>走访日期</source>
        <translation>Visit date</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="77"/>
        <source>走访方式</source>
        <translation>Visit kind</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="78"/>
        <source>走访情况</source>
        <translation>Findings</translation>
    </message>
    <message>
        <location filename="../../ui/register/small_forms.py" line="79"/>
        <source>后续跟进</source>
        <translation>Follow-up</translation>
    </message>
</context>
<context>
    <name>VisitsTab</name>
    <message>
        <location filename="../../ui/register/members.py" line="268"/>
        <source>走访日期</source>
        <translation>Visit date</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="268"/>
        <source>方式</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="268"/>
        <source>走访人</source>
        <translation>Visitor</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="268"/>
        <source>走访情况</source>
        <translation>Findings</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="269"/>
        <source>后续跟进</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <location filename="../../ui/register/members.py" line="270"/>
        <source>添加走访记录</source>
        <translation>Add visit</translation>
    </message>
</context>
<context>
    <name>WorkChartsPanel</name>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="241"/>
        <source>今日到期任务</source>
        <translation>tasks due today</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="242"/>
        <source>已超期任务</source>
        <translation>overdue tasks</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="243"/>
        <source>应走访未走访的户</source>
        <translation>households overdue for a visit</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="244"/>
        <source>事件按类别</source>
        <translation>Cases by category</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="244"/>
        <location filename="../../ui/dashboard/charts.py" line="246"/>
        <source>办理中</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="244"/>
        <source>已办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="245"/>
        <source>事件按状态</source>
        <translation>Cases by status</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="245"/>
        <source>件数</source>
        <translation>Cases</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="246"/>
        <source>任务按部门</source>
        <translation>Tasks by department</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="246"/>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="247"/>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="248"/>
        <source>任务按期完成率</source>
        <translation>Tasks completed on time</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard/charts.py" line="249"/>
        <source>事件按期办结率</source>
        <translation>Cases closed on time</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../ui/errors.py" line="28"/>
        <source>日志文件：%1</source>
        <translation>Log file: %1</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="29"/>
        <source>操作未能完成，发生了意外错误。详细信息已写入日志，请联系技术支持。</source>
        <translation>The operation could not be completed because of an unexpected error. Details were written to the log; please contact support.</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="35"/>
        <source>无法完成操作</source>
        <translation>Cannot complete the action</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="38"/>
        <source>出错了</source>
        <translation>Something went wrong</translation>
    </message>
</context>
</TS>
