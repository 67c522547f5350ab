"""The catalogue of user-facing messages, keyed by machine code, with Simplified Chinese (the
default) and English texts. app/ has no Qt, and the same messages serve the desktop client, the
command line and server error bodies, so they live here rather than in Qt .ts files (decision
docs/decisions/0002-user-messages.md). Texts use `str.format` fields filled from the error's
parameters; a missing parameter or an unknown code still yields a readable text, never an
exception, because this runs inside error handling."""

from __future__ import annotations

from typing import Any

DEFAULT_LANG = "zh_CN"

# code: (zh_CN, en)
CATALOGUE: dict[str, tuple[str, str]] = {
    # generic
    # printed forms and attachments
    "period_invalid": ("统计期间无效：开始日期不能晚于结束日期", "The period is invalid: it must start on or before its end"),
    "attachment_too_large": ("附件过大（{size_mb} MB），单个附件不能超过 {max_mb} MB",
                             "The file is too large ({size_mb} MB); an attachment may be at most {max_mb} MB"),
    "attachment_type": ("不支持的附件类型：{kind}（可添加 JPEG、PNG 照片和 PDF 扫描件）",
                        "Unsupported file type: {kind} (photos as JPEG or PNG, scans as PDF)"),
    "attachment_unreadable": ("附件无法读取：{name}", "The file cannot be read: {name}"),
    "attachment_owner": ("附件只能添加到事件、处置记录、任务反馈、户或人员", "Files attach to cases, case log entries, task feedback, households or persons"),
    "attachment_missing": ("附件内容尚未下载，请联网同步后再打开", "The file has not been downloaded yet; sync online, then open it"),
    "blob_offset": ("附件续传位置不一致，将从服务器已收到的 {expected} 字节处继续", "The upload resumes from the {expected} bytes the server holds"),
    "blob_hash_mismatch": ("附件内容校验失败（SHA-256 不符），将重新上传", "The file's SHA-256 does not match; it will be sent again"),
    "blob_size": ("附件大小与登记不符（应为 {expected} 字节）", "The file's size does not match its record ({expected} bytes)"),
    "scan_no_code": ("扫描件上没有识别到表单二维码，请输入表单上的编号", "No form QR code was found on the scan; type the number printed on the form"),
    "scan_unknown_record": ("找不到编号为 {number} 的记录", "No record numbered {number}"),
    "not_found": ("记录不存在或已删除（{entity}）", "The record does not exist or was deleted ({entity})"),
    "out_of_scope": ("该记录不在您负责的区域内", "This record is outside your area of responsibility"),
    "permission_denied": ("您的角色无权执行此操作：{action}", "Your role may not do this: {action}"),
    "required": ("{label}不能为空", "{label} is required"),
    "too_long": ("{label}不能超过{max}个字符", "{label} must be at most {max} characters"),
    "bad_date": ("{label}不是有效日期", "{label} is not a valid date"),
    "deleted_record": ("记录已删除，请先恢复", "The record is deleted; restore it first"),
    "not_deleted": ("记录未被删除，无需恢复", "The record is not deleted; nothing to restore"),
    # resident ID and other documents
    "id_length": ("公民身份号码应为18位，当前为{length}位", "A resident ID number has 18 characters, not {length}"),
    "id_chars": ("公民身份号码前17位应为数字，最后一位为数字或X",
                 "A resident ID number is 17 digits followed by a digit or X"),
    "id_birth_date": ("公民身份号码中的出生日期无效", "The birth date inside the ID number is not a real date"),
    "id_birth_future": ("公民身份号码中的出生日期晚于今天", "The birth date inside the ID number is in the future"),
    "id_checksum": ("公民身份号码校验位错误，请核对", "The ID number's check character is wrong; please re-check it"),
    "id_type_unknown": ("未知的证件类型：{id_type}", "Unknown document type: {id_type}"),
    "document_length": ("证件号码长度应为{min}至{max}个字符", "A document number has {min} to {max} characters"),
    "document_chars": ("证件号码只能包含字母、数字和短横线", "A document number may hold letters, digits and hyphens only"),
    # phones
    "phone_invalid": ("联系电话格式不正确：手机为1开头的11位数字，固话可带区号和分机号",
                      "Phone format: mobile is 11 digits starting with 1; landlines may carry "
                      "an area code and extension"),
    # regions and numbers
    "region_code_invalid": ("区划代码应为12位数字", "A region code has 12 digits"),
    "region_code_level": ("区划代码层级不正确：{detail}", "The region code's levels are wrong: {detail}"),
    "grid_code_invalid": ("网格代码应为所属村（社区）代码加3位序号，共15位",
                          "A grid code is its village code plus a 3-digit sequence (15 digits)"),
    "grid_outside_region": ("网格不属于所选村（社区）", "The grid does not belong to the selected village"),
    "household_no_invalid": ("户编号应为18位数字：12位区划代码+2位组号+4位序号",
                             "A household number is 18 digits: region code (12) + group (2) + sequence (4)"),
    "household_no_region": ("户编号前12位应与户所在区划代码一致",
                            "The household number must start with the household's region code"),
    "household_no_taken": ("户编号已被使用", "This household number is already in use"),
    "code_unknown": ("{label}代码无效：{value}", "Invalid {label} code: {value}"),
    # register
    "person_not_in_household": ("该人员不属于此户", "This person is not a member of this household"),
    "head_exists": ("此户已有户主，如需更换请使用“设为户主”", "This household already has a head; use “set as head” to change it"),
    "same_household": ("该人员已在此户中", "This person is already in this household"),
    "tag_dates": ("标签结束日期不能早于开始日期", "A tag's end date cannot be before its start date"),
    "tag_not_assigned": ("该标签未分配或已移除", "This tag is not assigned or was already removed"),
    "household_has_members": ("户内仍有在册人员，不能删除", "The household still has members; it cannot be deleted"),
    "visit_future": ("走访日期不能晚于今天", "A visit date cannot be in the future"),
    # cases
    "case_transition": ("当前状态“{status}”下不能执行“{action}”",
                        "“{action}” is not allowed while the case is “{status}”"),
    "case_action_unknown": ("未知的办理动作：{action}", "Unknown case action: {action}"),
    "case_closed": ("事件已办结，不能再修改", "The case is closed and can no longer be changed"),
    "deadline_required": ("批准延期需要新的办结期限", "Approving an extension needs a new deadline"),
    "deadline_not_later": ("新的办结期限应晚于原期限", "The new deadline must be later than the current one"),
    "satisfaction_invalid": ("回访评价应为满意、基本满意或不满意",
                             "Satisfaction must be satisfied, fairly satisfied or dissatisfied"),
    "department_required": ("请选择部门", "Please choose a department"),
    "whistle_already_arrived": ("该部门已报到", "This department has already reported"),
    "whistle_not_arrived": ("部门尚未报到，不能评价", "The department has not reported yet; it cannot be evaluated"),
    "evaluation_invalid": ("评价应为好、较好、一般或差", "Evaluation must be good, fair, average or poor"),
    "case_no_exhausted": ("当日事件编号已用尽", "No case numbers left for today"),
    "dispatch_outside": ("分派对象应为事件所在村（社区）或其网格", "Dispatch to the case's own village or one of its grids"),
    "repeat_self": ("不能把事件关联为自身的重复诉求", "A case cannot repeat itself"),
    "repeat_chain": ("原诉求本身是重复诉求，请关联最早的那一件", "The original is itself a repeat; link the first case"),
    # tasks
    "task_transition": ("任务当前状态“{status}”下不能执行“{action}”",
                        "“{action}” is not allowed while the task is “{status}”"),
    "task_action_unknown": ("未知的任务动作：{action}", "Unknown task action: {action}"),
    "due_before_issue": ("完成期限不能早于下发时间", "The due time cannot be before the issue time"),
    "task_no_targets": ("任务至少需要一个下发对象", "A task needs at least one target"),
    "link_exists": ("该户已关联到此任务", "This household is already linked to this task"),
    "link_region": ("该户不在任务下发范围内", "This household is outside the task's target area"),
    "task_done": ("任务已完成，不能再修改", "The task is completed and can no longer be changed"),
    "task_incomplete": ("还有{remaining}户未处理，不能完成任务",
                        "{remaining} linked households are not handled yet; the task cannot be completed"),
    "link_not_found": ("该户未关联到此任务", "This household is not linked to this task"),
    "person_not_linked": ("此人未关联到此任务", "This person is not linked to this task"),
    "one_form_member": ("所选人员不是该户的在册成员", "The chosen person is not a registered member of this household"),
    "task_not_accepted": ("请先接收任务", "Accept the task first"),
    "one_form_no_head": ("该户没有户主，无法从户籍带出数据。请先在户籍人口中设置户主",
                         "This household has no head, so nothing can be filled in from the register; set the head first"),
    # command line (app/cli.py)
    "password_needs_terminal": ("没有可输入密码的终端。请在终端中运行，或用 --password-stdin 从标准输入读取密码",
                                "No terminal to type the password in; run it in a terminal, or pass --password-stdin"),
    "password_not_given": ("没有输入密码，未登录", "No password was entered; not logged in"),
    "no_display": ("没有可用的图形显示（{detail}）。请在桌面会话中运行；Linux 服务器上可用 xvfb-run township-desk，"
                   "或 township-desk demo --no-window 只准备和同步数据",
                   "No graphical display is available ({detail}). Run it in a desktop session; on a Linux server use "
                   "xvfb-run township-desk, or township-desk demo --no-window to prepare and sync only"),
    # update channel (app/updates.py)
    "update_bad_signature": ("新版本 {version} 的签名校验失败，已拒绝并删除该文件，此事已记录",
                             "Version {version} failed signature verification; it was refused, deleted and the "
                             "refusal recorded"),
    "update_file_unreadable": ("无法读取更新文件或其签名文件（.sig.json）", "The update file or its .sig.json cannot be read"),
    "update_wrong_platform": ("该更新是给 {platform} 平台的，不适用于本机", "This update is for {platform}, not this computer"),
    "no_desktop": ("这个入口没有图形界面。请用 township-desk 命令打开客户端。",
                   "This entry point has no desktop window. Open the client with the township-desk command."),
    # client sync, enrolment and USB bundles (app/enrolment.py, app/sync_service.py, app/bundle.py)
    "foreign_server": ("这台服务器不是本机登记的城市服务器（可能是地址改错或测试服务器），没有同步任何数据。请联系管理员确认服务器地址",
                       "This server is not the city server this PC is enrolled with (a wrong address or a test server); "
                       "nothing was synced. Check the server address with your administrator"),
    "keyring_unavailable": ("本机没有安全的密钥存储（{backend}），无法保存登录凭据。请在系统凭据管理器可用的环境中登录",
                            "No secure keyring on this machine ({backend}); the login cannot be stored safely"),
    "not_enrolled": ("本机尚未登录城市服务器，请先登录", "This PC is not logged in to the city server; log in first"),
    "login_failed": ("登录失败：{detail}", "Login failed: {detail}"),
    "unsent_before_switch": ("本机还有 {count} 条 {user} 的修改未上传。换账号前请先同步（F5），否则这些修改会以新账号上传，"
                             "超出新账号范围的会被退回。没有网络时可先导出 U 盘同步包。",
                             "This PC holds {count} changes by {user} not yet uploaded. Sync (F5) before changing "
                             "account: otherwise they go up under the new account and what lies outside its scope "
                             "is rejected. Without a network, export a USB bundle first."),
    "auth_expired": ("登录已失效，请重新登录后再同步", "Your login is no longer valid; log in again to sync"),
    "server_unreachable": ("无法连接城市服务器，请检查网络后重试；未同步的修改已保存在本机",
                           "Cannot reach the city server; check the network. Unsynced edits are kept locally"),
    "tls_failed": ("无法验证服务器证书，请检查证书（CA）文件设置或联系管理员",
                   "The server certificate could not be verified; check the CA file setting"),
    "sync_server_error": ("服务器出错：{detail}，请稍后再试", "Server error: {detail}; please try again later"),
    "device_revoked": ("此设备已被管理员停用，同步已锁定，请联系管理员",
                       "This device was revoked by an administrator; sync is locked"),
    # local database protection (app/protection.py)
    "database_key_missing": ("本机数据库（{file}）已加密，但系统凭据管理器中找不到它的密钥。数据未被改动；"
                             "请联系乡镇管理员从城市服务器取回密钥（township-server release-key）",
                             "The local database ({file}) is encrypted but its key is not in the keyring. Nothing "
                             "was changed; ask your township admin to release the key from the city server"),
    "database_key_wrong": ("本机数据库（{file}）的密钥不正确，无法打开。数据未被改动；"
                           "请联系乡镇管理员从城市服务器取回正确的密钥",
                           "The key of the local database ({file}) is wrong; it cannot be opened. Nothing was "
                           "changed; ask your township admin to release the right key from the city server"),
    "escrow_failed": ("数据库密钥未能托管到城市服务器（{detail}），请联网后重新登录",
                      "The database key could not be escrowed with the city server ({detail}); log in again online"),
    "local_data_erased": ("管理员已要求清除本机数据，本机数据库和密钥已删除",
                          "An administrator asked for this PC's data to be erased; the local database and its "
                          "keys were deleted"),
    "upgrade_needed": ("客户端版本过旧，服务器不再接受此版本的数据，请升级后再同步",
                       "This client is too old for the server; upgrade before syncing"),
    "sync_running": ("同步正在进行中", "A sync is already running"),
    "cursor_too_old": ("本机太久没有同步，需要重新下载全部数据；还有修改未上传完，请再同步一次（修改不会丢失）",
                       "This PC has not synced for too long and must download all data again; some changes are "
                       "still being uploaded, so sync once more (nothing is lost)"),
    "sync_internal_error": ("同步时发生内部错误，详情已记入日志；未同步的修改仍保存在本机",
                            "Sync failed with an internal error (logged); unsynced edits are kept locally"),
    "change_not_rejected": ("该修改未被服务器退回，无需处理", "This change was not rejected; nothing to do"),
    "review_value_invalid": ("新值不符合“{field}”字段的格式，请重新填写",
                             "The new value does not fit the field “{field}”; please enter it again"),
    "bundle_malformed": ("文件不是有效的离线同步包：{detail}", "Not a valid offline sync bundle: {detail}"),
    "bundle_bad_signature": ("离线同步包签名无效，文件可能已被篡改，已拒绝导入",
                             "The bundle's signature is invalid (it may have been tampered with); refused"),
    "bundle_foreign": ("离线同步包不属于本乡镇或本设备，已拒绝导入：{detail}",
                       "The bundle belongs to another township or device; refused: {detail}"),
    "bundle_replayed": ("该离线同步包已导入过，不会重复导入", "This bundle was already imported; not applied twice"),
    "bundle_empty": ("没有待同步的修改，无需导出", "There are no pending changes to export"),
    # printing and Excel exchange
    "import_file_changed": ("文件在预览后已被修改，请重新预览后再确认导入",
                            "The file changed after the preview; preview it again before importing"),
    "import_has_errors": ("花名册有{count}处错误，请按错误报告修改后重新导入",
                          "The roster has {count} errors; fix them as reported and import again"),
    "roster_unreadable": ("无法打开该文件，请确认文件存在且未被其他程序占用",
                          "The file cannot be opened; check that it exists and is not locked by another program"),
    "roster_empty": ("文件是空的，没有可导入的内容", "The file is empty; there is nothing to import"),
    "roster_too_big": ("文件超过{mb}MB，不像是一份花名册，请按村拆分后再导入",
                       "The file is over {mb} MB, too big for a roster; split it by village and import each"),
    "roster_too_many_rows": ("表格超过{limit}行，请按村拆分后再导入",
                             "The sheet has over {limit} rows; split it by village and import each"),
    "roster_too_many_columns": ("表格超过{limit}列，不像是一份花名册，请检查所选工作表",
                                "The sheet has over {limit} columns, not a roster; check the chosen sheet"),
    "roster_damaged": ("文件已损坏或不是表格文件，无法读取。请在 Excel 或 WPS 中打开确认后重新保存再导入",
                       "The file is damaged or not a spreadsheet; open it in Excel or WPS, save it again "
                       "and import the new copy"),
    "roster_encrypted": ("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后重新保存再导入",
                         "The file is password-protected; remove the password in Excel or WPS, save and import again"),
    "roster_wps_format": ("无法读取 WPS 表格格式（.et），请在 WPS 中另存为 xlsx 后再导入",
                          "WPS spreadsheet (.et) files cannot be read; save it as xlsx in WPS and import that"),
    "roster_unknown_kind": ("不支持“{suffix}”文件，请选择 Excel（xlsx、xls）、WPS 另存的 xlsx、ods 或 CSV 文件",
                            "“{suffix}” files are not supported; choose an Excel (xlsx, xls), ods or CSV file"),
    "roster_encoding_unknown": ("无法识别 CSV 文件的文字编码（不是 UTF-8 或 GBK），请在 Excel 或 WPS 中另存为 xlsx 后再导入",
                                "The CSV file's text encoding is neither UTF-8 nor GBK; save it as xlsx and import that"),
    "roster_sheet_missing": ("文件中没有名为“{sheet}”的工作表（有：{sheets}）",
                             "The file has no sheet named “{sheet}” (it has: {sheets})"),
    "roster_no_header": ("在表格前15行中找不到表头，请确认表头含有{words}等列",
                         "No header found in the first 15 rows; the header should name columns such as {words}"),
    "roster_mapping_incomplete": ("列对应不完整：{missing}（缺少或重复），请在“列对应”中选择",
                                  "The column mapping is incomplete: {missing} (missing or chosen twice)"),
    # roster rows (the column is named as the clerk headed it)
    "roster_excel_number": ("{label}被Excel存成了数字，只保留了前15位（{kept}…），末尾数字已丢失；请把该列设为文本格式后重新录入完整号码",
                            "{label} was stored by Excel as a number: only the first 15 digits ({kept}…) are left; "
                            "format the column as text and type the full number again"),
    "roster_excel_scientific": ("{label}为“{shown}”：Excel把号码存成了数字并显示为科学计数法，末尾数字已丢失；"
                                "请把该列设为文本格式后重新录入完整号码",
                                "{label} reads “{shown}”: Excel stored the number as a number in scientific notation "
                                "and lost its last digits; format the column as text and type the full number again"),
    "roster_unknown_value": ("“{value}”不是有效的{label}，请从代码表中选择",
                             "“{value}” is not a valid {label}; choose one from the code table"),
    "roster_local_household_no": ("{label}“{value}”是村里的户号：导入时请选择所属村（社区），按村代码补全为18位户编号",
                                  "{label} “{value}” is the village's own number: choose the village when importing, "
                                  "its code completes the 18-digit household number"),
    "roster_household_out_of_scope": ("{label}不在您负责的区域内", "{label} lies outside your area of responsibility"),
    "roster_masked_value": ("{label}为脱敏值（含*），请填写完整号码", "{label} is masked (contains *); enter the full number"),
    "roster_bad_date": ("“{value}”不是有效日期，请写成 1980-01-31", "“{value}” is not a date; write it as 1980-01-31"),
    "roster_differs_from_id": ("{label}与{id_label}不符", "{label} does not match the {id_label}"),
    "roster_duplicate_id": ("与第{row}行的{label}重复", "Same {label} as row {row}"),
    "roster_no_head": ("该户没有户主：同一户应有一人的与户主关系为“户主”",
                       "The household has no head: one member's relation to the head must be 户主"),
    "roster_household_no_repeated": ("{label}“{value}”同时用于两户（另一户在第{rows}行，户主“{name}”）：一个户号只能属于一户，"
                                     "请核对后改正（这两户都不会导入）",
                                     "{label} “{value}” is used for two households (the other is in rows {rows}, "
                                     "head “{name}”): a number belongs to one household; correct it (neither is imported)"),
    "roster_second_head": ("同一户只能有一位户主（第{row}行已是户主）",
                           "A household has one head only (row {row} is the head already)"),
    "roster_head_name_row": ("同一户的户主姓名不一致（第{row}行户主为“{name}”）",
                             "The head's name differs within the household (row {row}: the head is “{name}”)"),
    "roster_head_name_register": ("同一户的户主姓名不一致（系统中户主为“{name}”）",
                                  "The head's name differs from the register (the head there is “{name}”)"),
    "roster_household_differs": ("同一户的{label}不一致（第{row}行为“{value}”）",
                                 "{label} differs within the household (row {row}: “{value}”)"),
    "roster_registered_elsewhere": ("该人员已登记在户{number}，如需迁户请在系统中办理",
                                    "This person is registered in household {number}; move people in the register"),
    "roster_registered_unassigned": ("该人员已登记在系统中（未分户），如需迁户请在系统中办理",
                                     "This person is registered without a household; move people in the register"),
    "roster_unknown_village": ("“{value}”不是已知的村（社区），请填写村（社区）名称或12位区划代码",
                               "“{value}” is not a known village; enter the village's name or 12-digit code"),
    "roster_village_ambiguous": ("有多个名为“{value}”的村（社区），请填写12位区划代码",
                                 "Several villages are named “{value}”; enter the 12-digit code"),
    "roster_village_out_of_scope": ("{label}“{value}”不在您负责的区域内",
                                    "{label} “{value}” lies outside your area of responsibility"),
    "roster_village_differs": ("{number_label}属于其他村（社区），与{label}“{value}”不符；迁入的户须已在系统中",
                               "The {number_label} belongs to another village than {label} “{value}”; only "
                               "registered households can move"),
    "roster_move_number_taken": ("迁入“{value}”后的户编号{number}已有其他户使用",
                                 "Moved to “{value}”, the household number would be {number}, which another "
                                 "household has"),
    "roster_unknown_grid": ("“{value}”不是本村（社区）的网格", "“{value}” is not a grid of this village"),
    "roster_household_skipped": ("同户第{row}行有问题，整户暂不导入",
                                 "Row {row} of the same household has a problem: the household waits"),
    "roster_no_rows": ("表中没有数据行", "The sheet has no data rows"),
    "roster_read_as": ("按 {encoding} 编码读取", "Read as {encoding}"),
    "roster_footer_skipped": ("已跳过表尾{count}行（合计、制表人、填报日期等）",
                              "{count} footer rows skipped (totals, compiled by, date …)"),
    "roster_filled_down": ("有{count}行没填户编号/户主姓名，已按同户上一行（或合并单元格）补齐",
                           "{count} rows took the household number/head from the row above (or a merged cell)"),
    "roster_local_matched": ("{count}户按成员的公民身份号码对应到已登记的户（村里的户号与系统户编号不同）",
                             "{count} households matched to registered households by their members' ID numbers "
                             "(the village numbers its households its own way)"),
    "roster_no_household_column": ("表中没有户号列：请选择所属村（社区），各户按“户主”（或“本人”）行分开",
                                   "The sheet has no household number column: choose the village; households "
                                   "are told apart by their head (户主 or 本人) rows"),
    "roster_households_by_head": ("表中没有户号列：按“户主”行分为{count}户，其中{new}户为新户（自动编排户编号）",
                                  "No household number column: {count} households told apart by their head "
                                  "rows, {new} of them new (household numbers assigned)"),
    "roster_id_upgraded": ("{count}个15位旧身份证号已按国家标准换算为18位（补“19”和校验码）",
                           "{count} 15-digit ID numbers read as their 18-digit successors (19 and a check "
                           "character added, as the national standard does)"),
    "export_unknown_list": ("没有名为“{name}”的列表，可导出：{names}", "No list named “{name}”; lists: {names}"),
    # code tables and demo data
    "code_table_unknown": ("未知的代码表：{table}", "Unknown code table: {table}"),
    "code_local_scope": ("本地代码项必须属于一个县、乡镇、村或网格（区划代码前缀）",
                         "A local code entry must belong to a county, township, village or grid (region prefix)"),
    "code_is_city_wide": ("代码 {entry} 已是全市统一代码，不能作为本地代码重复添加",
                          "Code {entry} is already a city-wide code; it cannot be added as a local one"),
    "code_local_exists": ("本地代码 {entry} 已存在", "The local code {entry} already exists"),
    "demo_township_exists": ("数据库中已有演示乡镇（{township}）的数据，未重复生成",
                             "The database already holds the demo township ({township}); nothing generated"),
}

_LANG_INDEX = {"zh_CN": 0, "zh": 0, "en": 1, "en_US": 1, "en_GB": 1}


class _Lenient(dict):
    """Leaves an unknown field visible as {name} instead of raising KeyError in error handling."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(code: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The readable message for `code` in `lang` (zh_CN default, English), filled with `params`."""
    entry = CATALOGUE.get(code)
    if entry is None:
        return code if lang.startswith("en") else f"操作失败（{code}）"
    template = entry[_LANG_INDEX.get(lang, 0)]
    return template.format_map(_Lenient(params))
