"""The console's words in Chinese (first) and English: one catalogue keyed by a short id, the
language taken from the `td_lang` cookie (set by the language switch), Chinese when unset. Templates
call `t("key")`; field-level form errors are catalogue keys too. A key missing from the catalogue
shows as itself, and a test checks every key the templates use is here."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

LANGS = ("zh", "en")
LANG_COOKIE = "td_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "app_title": ("基层治理工作台 · 市级控制台", "Township Desk · City console"),
    "skip_to_content": ("跳到正文", "Skip to content"),
    "language": ("语言", "Language"),
    "switch_lang": ("English", "中文"),
    "logout": ("退出登录", "Log out"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "nav": ("主导航", "Main navigation"),
    # login
    "login": ("登录", "Log in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误。", "Wrong username or password."),
    "login_throttled": ("登录失败次数过多，请稍后再试。", "Too many failed logins; try again later."),
    "login_disabled": ("账号已停用。", "This account is disabled."),
    "login_no_console": ("此账号不使用控制台，请在工作台客户端中登录。",
                         "This account does not use the console; log in with the desktop client."),
    "session_expired": ("登录已过期，请重新登录。", "Your session has expired; please log in again."),
    "csrf_failed": ("页面已过期，请刷新后重试。", "The page has expired; reload it and try again."),
    "forbidden": ("您无权查看此页面。", "You may not open this page."),
    "not_found": ("未找到。", "Not found."),
    # common
    "save": ("保存", "Save"), "submit": ("提交", "Submit"), "search": ("查询", "Search"),
    "export_xlsx": ("导出 Excel", "Export to Excel"), "print": ("打印", "Print"),
    "back": ("返回", "Back"), "actions": ("操作", "Actions"), "none": ("暂无记录。", "Nothing here yet."),
    "total": ("合计", "Total"), "name": ("名称", "Name"), "state": ("状态", "State"),
    "reason": ("事由", "Reason"), "note": ("说明", "Note"), "time": ("时间", "Time"),
    "saved": ("已保存。", "Saved."), "field_errors": ("请更正标出的内容。", "Please correct the marked fields."),
    "required": ("必填。", "Required."), "too_long": ("内容过长。", "Too long."),
    "reason_required": ("请填写事由。", "A reason is required."),
    "name_required": ("请填写名称（100 字以内）。", "Enter a name (at most 100 characters)."),
    "fields_required": ("请至少选择一个字段。", "Choose at least one field."),
    "field_unknown": ("含有不允许的字段。", "Contains a field that may not be requested."),
    "refused_by_server": ("未保存：{message}", "Not saved: {message}"),
    # roles
    "role_city_admin": ("市级管理员", "City administrator"), "role_department": ("部门用户", "Department"),
    "role_township_admin": ("乡镇管理员", "Township administrator"), "role_leader": ("领导", "Leader"),
    "role_township_staff": ("乡镇工作人员", "Township staff"), "role_village_cadre": ("村（社区）干部", "Village cadre"),
    "role_grid_worker": ("网格员", "Grid worker"),
    # department
    "nav_progress": ("任务进度", "Progress"), "nav_issue": ("下发任务", "Issue a task"),
    "nav_catalogue": ("报表准入", "Request catalogue"), "nav_whistles": ("吹哨报到", "Whistle calls"),
    "progress_title": ("任务进度（按乡镇）", "Progress by township"),
    "township": ("乡镇", "Township"), "region": ("区划", "Region"), "overdue": ("逾期", "Overdue"),
    "status_10": ("未接收", "Not accepted"), "status_20": ("进行中", "In progress"),
    "status_30": ("已完成", "Completed"), "status_40": ("已退回", "Returned"),
    "targets_title": ("任务对象", "Targets"), "task_no": ("任务编号", "Task no."), "title": ("标题", "Title"),
    "due_at": ("截止时间", "Due"), "progress": ("进度", "Progress"), "feedback": ("反馈", "Feedback"),
    "answers": ("一表通答复", "One-form answers"), "household_no": ("户编号", "Household no."),
    "all": ("全部", "All"), "overdue_only": ("只看逾期", "Overdue only"), "filter": ("筛选", "Filter"),
    "extend": ("延长截止时间", "Extend the deadline"), "new_due": ("新的截止日期", "New due date"),
    "extend_not_later": ("新的截止时间须晚于原截止时间。", "The new deadline must be later than the old one."),
    "remind": ("催办", "Remind"), "remind_hint": ("例如：请于本周五前反馈核查结果", "e.g. please report by Friday"),
    "reissue": ("重新下发", "Send again"), "reopen": ("重新打开", "Reopen"),
    "step_not_possible": ("当前状态下不能这样操作，请刷新后再看。", "Not possible in the current state; reload and look again."),
    "attachments": ("附件（JPEG、PNG 或 PDF，最多 {n} 个，每个不超过 {max_mb} MB）",
                    "Attachments (JPEG, PNG or PDF; up to {n}, {max_mb} MB each)"),
    "attachment_empty": ("附件是空文件。", "An attachment is empty."),
    "attachment_too_large": ("附件超过 {max_mb} MB 上限。", "An attachment is larger than {max_mb} MB."),
    "attachment_type": ("附件只能是 JPEG、PNG 图片或 PDF 文件（按内容判断）。",
                        "Attachments must be JPEG or PNG images or PDF files (judged by their content)."),
    "attachments_too_many": ("附件最多 {n} 个。", "At most {n} attachments."),
    "attachments_again": ("如有附件，请重新选择。", "Choose the attachments again, if any."),
    "issue_title": ("下发任务", "Issue a task"), "description": ("任务说明", "Description"),
    "kind": ("任务类型", "Kind"), "kind_1": ("走访巡查", "Visits"), "kind_2": ("数据核采（一表通）", "Data request"),
    "kind_3": ("指令下达", "Instruction"), "priority": ("优先级", "Priority"),
    "priority_1": ("紧急", "Urgent"), "priority_2": ("一般", "Normal"), "priority_3": ("低", "Low"),
    "workdays": ("办理时限（工作日）", "Time allowed (working days)"),
    "workdays_invalid": ("请填写 1–60 的整数。", "Enter a whole number from 1 to 60."),
    "targets": ("下发对象", "Send to"), "targets_required": ("请至少选择一个乡镇、村或网格。", "Choose at least one township, village or grid."),
    "grid": ("网格", "grid"),
    "target_outside": ("所选区划不在本部门范围内。", "A chosen region is outside the department's area."),
    "catalogue_entry": ("报表准入事项", "Catalogue entry"),
    "catalogue_required": ("数据核采须选择一项已批准的报表准入事项。", "A data request needs an approved catalogue entry."),
    "fields": ("字段", "Fields"), "fields_outside": ("所选字段超出已批准的范围。", "A chosen field is not approved."),
    "issued": ("任务已下发：{n} 个对象。", "Task issued to {n} targets."),
    "catalogue_title": ("报表准入（本部门）", "Request catalogue (this department)"),
    "propose": ("申请新的报表事项", "Propose a data request"), "purpose": ("用途", "Purpose"),
    "state_pending": ("待审批", "Pending"), "state_approved": ("已批准", "Approved"), "state_refused": ("未批准", "Refused"),
    "whistles_title": ("吹哨报到（派给本部门）", "Whistle calls to this department"),
    "case_no": ("事件编号", "Case no."), "summoned_at": ("吹哨时间", "Called at"), "arrived_at": ("报到时间", "Arrived at"),
    "evaluation": ("乡镇评价", "Township's evaluation"), "eval_1": ("好", "Good"), "eval_2": ("较好", "Fairly good"),
    "eval_3": ("一般", "Fair"), "eval_4": ("差", "Poor"),
    "wa_sign": ("签收", "Accept"), "wa_arrive": ("报到", "Arrive"), "wa_handle": ("报告处置情况", "Report"),
    "wa_submit": ("办结回单", "Close"), "report_text": ("处置情况", "What was done"),
    "whistle_done": ("已记录。", "Recorded."), "whistle_step_done": ("此步骤已完成。", "This step is already done."),
    # admin
    "nav_users": ("用户", "Users"), "nav_devices": ("设备", "Devices"), "nav_catalogue_review": ("报表准入审批", "Catalogue approval"),
    "nav_audit": ("审计查询", "Audit"), "nav_codes": ("代码表", "Code tables"),
    "users_title": ("用户管理", "Users"), "display_name": ("姓名", "Name"), "role": ("角色", "Role"),
    "scope": ("管辖范围", "Scope"), "department": ("部门", "Department"), "active": ("启用", "Active"),
    "create_user": ("新建用户", "New user"),
    "user_search_hint": ("用户名、姓名或区划代码", "username, name or region code"),
    "first_n": ("只显示前 {n} 个，请用查询缩小范围。", "Only the first {n} are shown; narrow the search."), "disable": ("停用", "Disable"), "enable": ("启用", "Enable"),
    "reset_password": ("重置密码", "Reset password"), "new_password": ("新密码", "New password"),
    "username_invalid": ("用户名只能用字母、数字、下划线、点和连字符（2–50 位）。",
                         "Letters, digits, _ . - only (2–50 characters)."),
    "username_taken": ("用户名已存在。", "Username already exists."),
    "weak_password": ("密码不符合要求：{detail}", "The password does not meet the policy: {detail}"),
    "scope_invalid": ("管辖范围须为 6、9、12 或 15 位区划代码。", "Scope must be a 6, 9, 12 or 15-digit region code."),
    "department_required": ("部门用户须填写部门代码。", "A department user needs a department code."),
    "role_not_allowed": ("不能创建该角色或该范围的用户。", "You may not create this role or scope."),
    "cannot_disable_self": ("不能停用自己的账号。", "You cannot disable your own account."),
    "devices_title": ("设备管理", "Devices"), "device": ("设备", "Device"), "owner": ("使用人", "User"),
    "last_seen": ("最近连接", "Last seen"), "revoked": ("已停用", "Revoked"), "revoke": ("停用设备", "Revoke"),
    "revoke_wipe": ("停用并远程清除", "Revoke and wipe"), "release_key": ("发放托管密钥", "Release escrowed key"),
    "released_key": ("托管密钥（只显示一次）：", "Escrowed key (shown once):"), "no_key": ("该设备未托管密钥。", "No key escrowed for this device."),
    "approve": ("批准", "Approve"), "refuse": ("不批准", "Refuse"),
    # what the audit records, as recorded keys (the 动作 filter takes the key)
    "audit_act_import": ("导入", "Import"), "audit_act_export": ("导出", "Export"), "audit_act_print": ("打印", "Print"),
    "audit_act_reveal": ("查看完整号码", "Full number shown"), "audit_act_publish": ("发布", "Publish"),
    "audit_act_discard": ("放弃被退回的修改", "Rejected change discarded"),
    "audit_act_duplicate_alarm": ("疑似重复人员预警", "Likely duplicates alarm"),
    "audit_act_update_refused": ("拒绝安装更新", "Update refused"), "audit_act_key_release": ("释放数据库密钥", "Key released"),
    "audit_obj_person": ("人员", "Person"), "audit_obj_household": ("户", "Household"), "audit_obj_case": ("事件", "Case"),
    "audit_obj_task": ("任务", "Task"), "audit_obj_task_target": ("任务对象", "Task target"),
    "audit_obj_task_answer": ("一表通答复", "One-form answer"), "audit_obj_attachment": ("附件", "Attachment"),
    "audit_obj_audit_entry": ("审计记录", "Audit entry"), "audit_obj_client_build": ("客户端版本", "Client build"),
    "audit_obj_device": ("设备", "Device"), "audit_obj_review": ("待审", "Review item"),
    "audit_title": ("审计查询", "Audit search"), "action": ("动作", "Action"), "entity": ("对象", "Object"),
    "since": ("起始日期", "From"), "until": ("截止日期", "Until"), "who": ("人员", "Who"),
    "codes_title": ("乡镇自建代码", "Township code additions"), "code": ("代码", "Code"), "table": ("代码表", "Table"),
    "code_refused": ("已停用该自建代码。", "The local code was withdrawn."), "code_approved": ("已确认该自建代码。", "The local code was approved."),
    "nav_channels": ("受理渠道", "Intake channels"), "nav_builds": ("客户端版本", "Client builds"),
    "channels_title": ("受理渠道与密钥", "Intake channels and keys"), "channel": ("渠道", "Channel"),
    "delivered": ("已接收事件", "Cases delivered"), "last_delivery": ("最近接收", "Last delivery"),
    "rotate_key": ("更换密钥", "Rotate key"), "create_key": ("新建渠道密钥", "New channel key"),
    "new_key_once": ("新密钥（只显示一次，请交给渠道方）：", "New key (shown once; hand it to the channel):"),
    "case_source": ("事件来源代码", "Case source code"),
    "builds_title": ("客户端版本（更新通道）", "Client builds (update channel)"),
    "builds_hint": ("版本由发布人员用发布密钥签名（township-server sign-build）；在此上传文件和签名即发布，也可撤回或恢复。服务器只接受客户端信任的发布密钥签名的版本。",
                    "The release manager signs a build with the release key (township-server sign-build); upload the file and its signature here to publish it, or withdraw or reinstate one. Only builds signed by a release key the clients trust are accepted."),
    "upload_build": ("上传新版本", "Upload a build"),
    "choose_file_again": ("请重新选择文件。", "Choose the file again."), "signature": ("签名（Base64）", "Signature (base64)"),
    "notes": ("说明", "Notes"), "publish": ("发布", "Publish"),
    "build_file_required": ("请选择版本文件。", "Choose the build file."),
    "build_version": ("版本号格式应为 1.2.3。", "A version looks like 1.2.3."),
    "build_platform": ("平台名称格式应为 linux-x86_64 或 windows-amd64。", "A platform looks like linux-x86_64 or windows-amd64."),
    "build_signature": ("签名无效：不是客户端信任的发布密钥对该文件、版本和平台的签名。",
                        "Invalid signature: no release key the clients trust signed this file, version and platform."),
    "build_duplicate": ("该平台的这个版本已经发布过。", "This version was already published for this platform."),
    "build_refused": ("无法发布该版本。", "The build cannot be published."),
    "build_too_large": ("文件超过 {max_mb} MB 上限。", "The file is larger than the {max_mb} MB limit."),
    "platform": ("平台", "Platform"), "version": ("版本", "Version"), "file": ("文件", "File"), "size_mb": ("大小（MB）", "Size (MB)"),
    "withdrawn": ("已撤回", "Withdrawn"), "withdraw": ("撤回", "Withdraw"), "reinstate": ("恢复", "Reinstate"),
    "nav_code_tables": ("市级代码表", "City code tables"), "code_tables_title": ("市级代码表（修改后随同步下发）", "City code tables (published by sync)"),
    "label_zh": ("中文名称", "Chinese label"), "label_en": ("英文名称", "English label"),
    "add_code": ("新增代码", "Add a code"), "makeup_workday": ("调休上班日", "Make-up working day"),
    "day_off": ("放假", "Day off"), "calendar_code": ("节假日代码须为日期，如 2027-01-01。", "A calendar code is a date, e.g. 2027-01-01."), "parent_code": ("上级代码", "Parent code"), "code_exists": ("该代码已存在。", "This code already exists."),
    # leader
    "nav_overview": ("治理成效", "Outcomes"), "nav_burden": ("基层减负", "Village burden"),
    "overview_title": ("治理成效（按乡镇）", "Outcomes by township"),
    "cases": ("事件数", "Cases"), "closed": ("已办结", "Closed"), "on_time_rate": ("按期办结率", "On-time rate"),
    "satisfaction": ("满意率", "Satisfaction"), "repeat": ("重复诉求", "Repeat appeals"),
    "category": ("事件分类", "Category"), "by_category": ("按事件分类", "By category"),
    "whistle_response": ("吹哨响应（按部门）", "Whistle response by department"),
    "calls": ("吹哨次数", "Calls"), "arrived": ("已报到", "Arrived"), "avg_hours": ("平均响应（小时）", "Mean response (h)"),
    "trend": ("按月趋势", "Trend by month"), "month": ("月份", "Month"),
    "burden_title": ("村（社区）负担：每周收到的任务和数据报送", "Village burden: tasks and data requests per week"),
    "village": ("村（社区）", "Village"), "tasks_per_week": ("任务/周", "Tasks/week"),
    "requests_per_week": ("数据报送/周", "Data requests/week"),
    "region_per_week": ("本村合计/周", "All departments/week"), "weeks": ("统计周数", "Weeks counted"),
    "overdue_cases": ("逾期事件", "Overdue cases"), "deadline": ("办理期限", "Deadline"), "registered_at": ("登记时间", "Registered"),
    "cs_10": ("登记", "Registered"), "cs_20": ("受理", "Accepted"), "cs_25": ("网格自办", "Handled by grid"),
    "cs_30": ("分派", "Dispatched"), "cs_40": ("签收", "Signed"), "cs_45": ("退单", "Returned"),
    "cs_50": ("处置中", "Handling"), "cs_55": ("延期申请", "Extension asked"), "cs_60": ("回单待审", "Submitted"),
    "cs_70": ("办结", "Closed"), "cs_80": ("已回访", "Revisited"), "cs_90": ("归档", "Archived"),
    "case_status": ("事件状态", "Case status"),
    "as_of": ("数据截至 {time}（每 5 分钟更新；明细列表为实时）。", "Figures as of {time} (refreshed every 5 minutes; the lists are live)."), "no_login_counting": ("只统计结果，不统计登录或录入次数。",
                                                                     "Outcomes only: logins and entries are not counted."),
}


def translator(lang: str) -> Callable[..., str]:
    index = 1 if lang == "en" else 0

    def t(key: str, **params: object) -> str:
        pair = MESSAGES.get(key)
        text = pair[index] if pair else key
        return text.format(**params) if params else text

    return t


def request_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGS else "zh"
