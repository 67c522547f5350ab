"""Readable reasons for the per-change answers of a push, in Chinese (first) and English.

A rejected change carries a machine `code` (the contract; clients translate it themselves), the
`field` it is about when there is one, and a `message` for people. The message is made here from the
code and its parameters, in the language the request asked for (Accept-Language); the stored answer
of a change keeps the Chinese text, so a retried change answered from the store without its
parameters gets the template with the field name only."""

from __future__ import annotations

import string
from typing import Any

CHANGE_MESSAGES: dict[str, tuple[str, str]] = {
    "bad_type": ("字段 {field} 的值类型不对", "Field {field} has the wrong type"),
    "too_long": ("字段 {field} 超长（最多 {limit}）", "Field {field} is too long (at most {limit})"),
    "too_deep": ("字段 {field} 嵌套过深（最多 {limit} 层）", "Field {field} is nested too deeply (at most {limit})"),
    "out_of_range": ("字段 {field} 超出范围（{min} 至 {max}）", "Field {field} is out of range ({min} to {max})"),
    "not_finite": ("字段 {field} 必须是有限数值", "Field {field} must be a finite number"),
    "bad_chars": ("字段 {field} 含有不允许的字符（空字符或不成对的代理字符）",
                  "Field {field} contains characters that are not allowed (NUL or lone surrogates)"),
    "bad_format": ("字段 {field} 格式不对，应为 {rule}", "Field {field} has the wrong format (expected: {rule})"),
    "unknown_region": ("字段 {field} 的区划代码 {region} 不存在", "Field {field}: region code {region} does not exist"),
    "bad_reference": ("字段 {field} 引用的{target}不存在或不在您的管辖范围内",
                      "Field {field} refers to a {target} that does not exist or is outside your jurisdiction"),
    "not_parent_region": ("字段 region_code 必须是所属{target}的区划 {region}",
                          "Field region_code must be the region of its {target} ({region})"),
    "bad_id": ("{field} 不是有效的记录编号（UUIDv7）", "{field} is not a valid record id (UUIDv7)"),
    "bad_hlc": ("时间戳格式不对，或其设备部分不是本设备", "The clock stamp is malformed or names another device"),
    "unknown_field": ("{entity} 没有字段 {field}", "{entity} has no field {field}"),
    "derived_field": ("字段 {field} 由本地计算，不能同步", "Field {field} is computed locally and cannot be synced"),
    "unknown_entity": ("未知的数据类型 {entity}", "Unknown entity {entity}"),
    "bad_op": ("未知操作（只允许 upsert 或 delete）", "Unknown op (only upsert or delete)"),
    "bad_change": ("变更格式不对：{detail}", "Malformed change: {detail}"),
    "schema_version": ("客户端数据版本不受支持，请升级客户端", "Client schema version not supported; please upgrade"),
    "wrong_device": ("变更的设备号与登录设备不符", "The change names another device than the one logged in"),
    "missing_fields": ("新记录缺少必填字段：{fields}", "A new record lacks required fields: {fields}"),
    "missing_parent": ("引用的上级记录不存在", "The parent record does not exist"),
    "forbidden_scope": ("无权修改区划 {region} 的 {entity} 数据", "You may not change {entity} data of region {region}"),
    "forbidden": ("只有市、乡镇管理员可以设置重点人员等敏感标签", "Only city and township admins may set sensitive tags"),
    "fields_outside_catalogue": ("数据需求字段 {fields_zh} 不在本部门已批准的报表准入目录内",
                                 "Requested fields {fields_en} are outside the department's approved request catalogue"),
    "answers_outside_request": ("一表通答复含有任务未要求的字段：{fields_zh}，已拒绝（只能报送任务要求的字段）",
                                "The one-form answer holds fields the task did not request: {fields_en}; "
                                "only the requested fields may be sent"),
    "answers_malformed": ("一表通答复格式不对（应为每户所要求字段的值）",
                          "The one-form answer is malformed (expected the requested fields' values per household)"),
    "invalid_id_number": ("身份证号码无效（校验位或出生日期不对）", "Invalid resident ID number (check digit or birth date)"),
    "append_only": ("这类记录只能追加，不能修改或删除", "These records can only be added, not changed or deleted"),
    "change_id_reused": ("同一变更编号对应了不同的内容，已拒绝", "The change id was reused with different content"),
    "device_seq_gap": ("缺少序号 {expected} 起的变更，请按顺序重发", "Changes from sequence {expected} are missing; resend in order"),
    "device_seq_reused": ("设备变更序号已用过", "This device sequence number was already used"),
}


# Parameters that name something, rendered in the message's language: a referenced entity, a format.
ENTITY_NAMES = {"household": ("户", "household"), "person": ("人员", "person"), "case": ("事件", "case"),
                "task": ("任务", "task"), "task_target": ("任务对象", "task target"),
                "task_feedback": ("任务反馈", "task feedback"), "case_log": ("办理记录", "case log entry"),
                "print_snapshot": ("打印存档", "print record")}
FORMAT_RULES = {
    "household_no": ("18 位数字（12 位区划 + 2 位组 + 4 位序号）", "18 digits (12-digit region, 2-digit group, 4-digit number)"),
    "village": ("12 位村（社区）代码", "a 12-digit village (community) code"),
    "region": ("6、9 或 12 位区划代码", "a 6-, 9- or 12-digit region code"),
    "grid": ("15 位网格代码", "a 15-digit grid code"),
    "place": ("12 位村（社区）或 15 位网格代码", "a 12-digit village or 15-digit grid code"),
    "subject_type": ("person 或 household", "person or household"),
}


def _localised(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """`target` (an entity) and `rule` (a format) as words of `lang`; other parameters as given."""
    index = 1 if lang == "en" else 0
    out = dict(params)
    if isinstance(params.get("target"), str):
        names = [ENTITY_NAMES.get(e, (e, e))[index] for e in params["target"].split("/")]
        out["target"] = ("或" if index == 0 else " or ").join(names)
    if isinstance(params.get("format"), str) and params["format"] in FORMAT_RULES:
        out["rule"] = FORMAT_RULES[params["format"]][index]
    return out


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def change_message(code: str, lang: str = "zh", **params: Any) -> str | None:
    """The message for a per-change `code` in `lang` ("zh" or "en"); None for an unknown code."""
    pair = CHANGE_MESSAGES.get(code)
    if pair is None:
        return None
    template = pair[1] if lang == "en" else pair[0]
    return string.Formatter().vformat(template, (), _Blank(_localised(params, lang)))
