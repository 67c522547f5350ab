"""The words villages actually use, mapped to the roster's fields and code labels.

Header synonyms: every way a village roster heads a column we import (户号 for 户编号, 身份证号码
for 公民身份号码, 手机号 for 联系电话 …). Headers are compared after `header_key` (no spaces, line
breaks, asterisks or bracketed notes), so "身份证号码\n(18位)" and "* 姓 名" match too.

Code-value synonyms point at a code table's *label* (初中 → 初中毕业), never at a code, so they
follow the code tables as they are: a synonym whose label a table no longer has is ignored (and
a test checks every label here exists). Plain matches need no entry: a label, a code, 民族 without
族 (汉 → 汉族) are resolved by `resolve_code`."""

from __future__ import annotations

import re
from functools import lru_cache

from app.codes import CodeBook

# field → (the roster's own header first, then the other words villages use)
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "household_no": ("户编号", "户号", "户编码", "户籍编号", "家庭户号", "户代码"),
    "head_name": ("户主姓名", "户主", "户主名", "户主名字"),
    "name": ("姓名", "成员姓名", "人员姓名", "家庭成员姓名", "名字"),
    "relation_to_head": ("与户主关系", "与户主的关系", "关系", "家庭关系", "与户主关系(称谓)", "称谓"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码", "公民身份证号",
                  "身份号码", "证件号码", "居民身份证号码", "证件号"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "出生时间"),
    "ethnicity": ("民族",),
    "phone": ("联系电话", "手机号", "手机号码", "手机", "电话", "电话号码", "联系方式", "联系电话(手机)"),
    "current_address": ("现住址", "住址", "居住地址", "现居住地址", "地址", "现住地址", "居住地"),
    "household_address": ("家庭住址", "家庭地址", "户住址", "户地址"),  # the household's, shown in the 户 list
    "residence_type": ("人员类别", "人口类型", "居住类型", "居住状态", "人员类型"),
    "education": ("文化程度", "学历", "受教育程度"),
    "political_status": ("政治面貌",),
    "marital_status": ("婚姻状况", "婚姻状态", "婚姻"),
    "hukou_address": ("户籍地", "户籍地址", "户籍所在地", "户口所在地", "户籍地详址"),
    "notes": ("备注", "说明"),
    "grid_code": ("网格", "所属网格", "网格编号", "网格代码"),
    # The household's village: the same as its 户编号's, completes a short 户号, or moves the household.
    "village": ("村（社区）", "所属村", "所属社区", "所属村（社区）", "村委会", "村居委会", "村（居）委会", "行政村",
                "社区", "村名", "村居", "村社区", "村代码", "村（社区）代码"),
}

# table → {word used in villages: label in the code table}
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "gender": {"男性": "男", "女性": "女", "M": "男", "F": "女"},
    "relation_to_head": {"户主本人": "户主", "之妻": "妻", "之夫": "夫", "儿子": "子",
                         "女儿": "女", "长女儿": "长女", "孙": "孙子", "外孙": "外孙子", "媳妇": "儿媳",
                         "儿媳妇": "儿媳", "爸爸": "父亲", "妈妈": "母亲", "父": "父亲", "母": "母亲",
                         "哥哥": "兄", "弟弟": "弟", "丈夫": "夫", "妻子": "妻", "老伴": "配偶",
                         # 之X (之子, 之女, 之孙 …) is X: the 之 is dropped before these are looked up
                         "媳": "儿媳", "婿": "女婿", "姐": "姐姐", "妹": "妹妹",
                         "爷爷": "祖父", "奶奶": "祖母", "姥爷": "外祖父", "姥姥": "外祖母", "外公": "外祖父",
                         "外婆": "外祖母", "孙媳": "孙媳妇或外孙媳妇", "孙媳妇": "孙媳妇或外孙媳妇",
                         "孙女婿": "孙女婿或外孙女婿", "曾孙": "曾孙子或外曾孙子", "曾孙子": "曾孙子或外曾孙子",
                         "曾孙女": "曾孙女或外曾孙女", "二子": "次子", "二女": "次女", "长孙": "孙子",
                         "长孙女": "孙女", "养子": "养子或继子", "继子": "养子或继子", "养女": "养女或继女",
                         "继女": "养女或继女", "独子": "独生子", "独女": "独生女", "嫂子": "嫂",
                         "兄弟": "兄弟姐妹", "姐妹": "兄弟姐妹"},
    "education": {"初中": "初中毕业", "小学": "小学毕业", "高中": "普通高中毕业", "中专": "中等专科毕业",
                  "职高": "职业高中毕业", "技校": "技工学校毕业", "大专": "大学专科毕业", "专科": "大学专科毕业",
                  "本科": "大学本科毕业", "大学": "大学本科毕业", "大学本科": "大学本科毕业",
                  "硕士": "硕士研究生毕业", "研究生": "硕士研究生毕业", "博士": "博士研究生毕业",
                  "文盲": "其他", "半文盲": "其他", "无": "其他", "学龄前": "其他"},
    "political_status": {"党员": "中国共产党党员", "中共党员": "中国共产党党员", "预备党员": "中国共产党预备党员",
                         "团员": "中国共产主义青年团团员", "共青团员": "中国共产主义青年团团员",
                         "无党派": "无党派人士", "普通群众": "群众"},
    "marital_status": {"已婚有配偶": "已婚", "有配偶": "已婚", "未婚单身": "未婚", "离异": "离婚"},
    "residence_type": {"常住": "户籍常住", "户籍人口": "户籍常住", "常住人口": "户籍常住", "流动": "流动人口",
                       "外来人口": "流动人口", "外出人口": "外出", "外出务工": "外出", "人户分离人口": "人户分离"},
}
# Gender as the digit of the national standard: 1 男, 2 女 (the codes themselves, resolved as codes).

_BRACKETED = re.compile(r"[（(【\[<《].*?[）)】\]>》]")
_DROP = re.compile(r"[\s*＊:：、.．·_\-—]+")


def header_key(text: object) -> str:
    """A header cell reduced for comparison: no bracketed notes, spaces, stars or punctuation."""
    value = str(text or "")
    stripped = _DROP.sub("", _BRACKETED.sub("", value))
    return stripped or _DROP.sub("", value)


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field, words in HEADER_SYNONYMS.items():
        for word in words:
            index.setdefault(header_key(word), field)
    return index


def field_for_header(text: object) -> str | None:
    """The roster field a header names, or None for a column we do not import (序号, 年龄 …)."""
    return _header_index().get(header_key(text))


class CodeResolver:
    """A code from what a village typed: a label, the code itself, 民族 without 族, or a synonym.
    Built once per import: an index per table (a roster checks thousands of cells)."""

    def __init__(self, codes: CodeBook) -> None:
        self._codes = codes
        self._index: dict[str, dict[str, str]] = {}

    def resolve(self, table: str, text: str) -> str | None:
        index = self._index.get(table)
        if index is None:
            index = self._index[table] = self._build(table)
        found = index.get(text) or index.get(VALUE_SYNONYMS.get(table, {}).get(text, "\x00"))
        if found is None and table == "relation_to_head" and len(text) > 1 and text.startswith("之"):
            return self.resolve(table, text[1:])  # 之子 (the head's son), 之孙女 …
        return found

    def _build(self, table: str) -> dict[str, str]:
        index: dict[str, str] = {}
        for item in self._codes.entries(table):
            index.setdefault(item.code, item.code)
            index.setdefault(item.label_zh, item.code)
            if table == "ethnicity" and item.label_zh.endswith("族"):
                index.setdefault(item.label_zh[:-1], item.code)
        return index


def resolve_code(codes: CodeBook, table: str, text: str) -> str | None:
    """One value resolved (`CodeResolver` for many)."""
    return CodeResolver(codes).resolve(table, text)
