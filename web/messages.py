"""Chinese for every message a person reads: the library speaks English, the pages speak Chinese.

The library (`searcher`) raises English messages, sometimes followed by a Chinese gloss in full-width brackets
("page must be an integer（页码必须是整数）"). The web layer decides here, once, what a reader is shown:

- `to_chinese(message)`: Chinese only, for the HTML pages; a message it does not know becomes None, and the
  caller shows a general Chinese sentence instead, so no English ever reaches a page.
- `bilingual(message, status)`: for the JSON `message`, the English text with the Chinese in full-width
  brackets after it, so scripts keep the precise English and people get Chinese, in the one error shape
  `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import re

# What a reader is told when nothing more precise is known, by HTTP status.
STATUS_MESSAGES = {
    400: "请求参数有误。",
    401: "管理令牌缺失或错误。",
    404: "找不到这个页面或文章。",
    405: "不支持这种请求方式。",
    409: "索引正忙，请稍后再试。",
    413: "上传的内容太大。",
    414: "网址太长。",
    415: "不支持的文件类型。",
    429: "尝试次数过多，请稍后再试。",
    431: "请求头太大。",
    500: "服务器出了点问题，请稍后再试。",
    503: "检索服务暂时不可用。",
    507: "服务器磁盘已满，没有添加任何内容。",
}
GENERAL_FAILURE = "请求未能完成，请稍后再试。"
UNREADABLE_FILE = "无法读取此文件"

# Names of the search parameters as the form labels them.
PARAMETER_NAMES = {
    "q": "查询词",
    "page": "页码",
    "size": "每页条数",
    "per_article": "每篇文章的段数",
    "date_from": "起始日期",
    "date_to": "截止日期",
    "source": "来源",
}

_FILE = r"(?P<file>'[^']*'|\"[^\"]*\")"
_PARAMETER = "(?P<name>" + "|".join(PARAMETER_NAMES) + ")"
_RULES: list[tuple[str, str]] = [
    # search parameters (web.params, searcher.search.engine)
    (_PARAMETER + r" must be an integer\b", "{name}必须是整数"),
    (_PARAMETER + r" is too large: at most (?P<digits>\d+) digits", "{name}太大，最多 {digits} 位数字"),
    (_PARAMETER + r" is too small: at most (?P<digits>\d+) digits", "{name}太小，最多 {digits} 位数字"),
    (r"page must be 1 or more", "页码必须从 1 开始"),
    (_PARAMETER + r" must be between (?P<low>\d+) and (?P<high>\d+)", "{name}必须在 {low} 到 {high} 之间"),
    (r"query is longer than (?P<n>\d+) characters", "查询词不能超过 {n} 个字"),
    (r"(?P<name>date_from|date_to) must be a date like", "{name}应为 2024-11-30 这样的日期"),
    (r"missing query parameter q", "请输入查询词"),
    # articles and the index
    (r"no article with id", "没有这篇文章"),
    (r"no index in .*?: build one with `(?P<command>[^`]+)`", "还没有建立索引，请运行 {command}"),
    (r"the index in .*?cannot be used: .*?rebuild it with `(?P<command>[^`]+)`",
     "索引已损坏或不完整，请运行 {command} 重建"),
    (r"another build or add \(pid (?P<pid>[^)]*)\) is writing",
     "另一个建立或更新索引的进程（pid {pid}）正在写入，请稍后再试"),
    # uploads (searcher.corpus.uploads, web.admin)
    (_FILE + r": unsupported file type (?P<suffix>\S+?);", "“{file}”：不支持的文件类型 {suffix}"),
    (_FILE + r": (?P<size>\d+) bytes is over the limit of (?P<limit>\d+) bytes",
     "“{file}”：文件有 {size} 字节，超过了 {limit} 字节的上限"),
    (_FILE + r": the file is empty", "“{file}”：文件是空的"),
    (r"(?P<size>\d+) bytes is over the limit of (?P<limit>\d+) bytes", "文件有 {size} 字节，超过了 {limit} 字节的上限"),
    (r"the list of articles is empty", "文章列表是空的"),
    (r"at most (?P<n>\d+) articles per request", "每次最多提交 {n} 篇文章"),
    (r"The data value transmitted exceeds the capacity limit", "上传的内容超过了大小上限"),
    (r"an article must be a JSON object", "每篇文章必须是含 title 和 text 的 JSON 对象"),
    (r"unknown field\(s\) (?P<fields>[^;]+); allowed: (?P<allowed>.+)$", "未知字段 {fields}，允许的字段：{allowed}"),
    (r"'(?P<field>\w+)' must be a non-empty string", "{field} 必须是非空的文字"),
    (r"'(?P<field>\w+)' must be a string", "{field} 必须是文字"),
    (r"'date' must be a real date", "date 必须是 2024-11-30 这样的真实日期"),
    # why a file could not be read (searcher.corpus.reading, searcher.corpus.formats, searcher.corpus.decode)
    (r"empty (?:HTML )?file", "文件是空的"),
    (r"binary file", "这是二进制文件，不是文字"),
    (r"undecodable", "无法识别文件的文字编码"),
    (r"unsupported file type (?P<suffix>[^\s;]+)", "不支持的文件类型 {suffix}"),
    (r"no article text found in HTML page", "网页中没有找到正文"),
    (r"cannot parse HTML", "无法解析这个网页"),
    (r"PDF has no text layer", "PDF 没有文字层（可能是扫描件），请先做文字识别"),
    (r"PDF is encrypted", "PDF 已加密，无法读取"),
    (r"not a PDF file|not a readable PDF|cannot extract PDF text", "无法读取这个 PDF"),
    (r"not a \.docx file|not a readable \.docx file", "无法读取这个 .docx 文件"),
    (r"document has no text", "文档中没有文字"),
    (r"invalid YAML front matter|front matter is not a mapping", "文件开头的元数据（front matter）格式有误"),
    (r"missing or empty 'title'", "缺少标题"),
    (r"missing or empty 'text'", "缺少正文"),
    (r"not a JSON object", "不是 JSON 对象"),
    (r"invalid JSON", "JSON 格式有误"),
    (r"no such file", "文件不存在"),
    (r"cannot (?:read|extract text)", UNREADABLE_FILE),
]
RULES = [(re.compile(pattern), template) for pattern, template in _RULES]
_NUMBERED = re.compile(r"article (?P<n>\d+): (?P<rest>.+)$", re.S)
_REFUSED = re.compile(r"no file could be indexed（[^）]*）: (?P<rest>.+)$", re.S)
_REFUSED_PART = re.compile(r"; (?!allowed: )")
_EXTRACTING = re.compile(r"cannot extract text: \w+: (?P<rest>.+)$", re.S)

# "English text（中文说明）": the gloss the library may already carry.
_GLOSS = re.compile(r"（(?P<zh>[^（）]*[\u3400-\u9fff][^（）]*)）\s*$")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Two or more English words in a row: a sentence a Chinese reader should not be handed.
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[,;:]?\s+[A-Za-z]{2,})+")


def to_chinese(message: str) -> str | None:
    """The message in Chinese, or None when it is not one this module knows (the caller falls back)."""
    message = message.strip()
    numbered = _NUMBERED.match(message)
    if numbered:  # "article 3: <problem>" in a list of JSON articles
        problem = to_chinese(numbered.group("rest"))
        return f"第 {numbered.group('n')} 篇文章：{problem}" if problem else None
    refused = _REFUSED.match(message)
    if refused:  # a batch in which no file could be indexed: "name: reason; name: reason"
        return "没有可加入索引的文件：" + "；".join(_file_reason(p) for p in _REFUSED_PART.split(refused.group("rest")))
    extracting = _EXTRACTING.match(message)
    if extracting:  # "cannot extract text: ValueError: <the reader's reason>"
        return to_chinese(extracting.group("rest")) or UNREADABLE_FILE
    for pattern, template in RULES:
        match = pattern.match(message)
        if match:
            return template.format(**{key: _value(key, value) for key, value in match.groupdict().items()})
    gloss = _GLOSS.search(message)
    if gloss:
        return gloss.group("zh")
    if _HAN.search(message) and not ENGLISH_WORDS.search(message):
        return message
    return None


def _file_reason(part: str) -> str:
    """“name”：reason, for one refused file of a batch."""
    name, _, reason = part.partition(": ")
    return f"“{name}”：{to_chinese(reason) or UNREADABLE_FILE}"


def _value(key: str, value: str) -> str:
    """A parameter by its label on the form; a file name without Python's quotes (the template adds “”)."""
    if key == "name":
        return PARAMETER_NAMES.get(value, value)
    if key == "fields":  # the library quotes field names with ascii(); the page names them plainly
        return value.replace("'", "")
    return value[1:-1] if key == "file" else value


def for_page(message: str, status: int | None = None, fallback: str = GENERAL_FAILURE) -> str:
    """What an HTML page shows for `message`: its Chinese, else the status's general sentence."""
    return to_chinese(message) or STATUS_MESSAGES.get(status or 0, fallback)


def bilingual(message: str, status: int) -> str:
    """The JSON message: English as the library wrote it, then the Chinese in full-width brackets."""
    if _GLOSS.search(message) or not ENGLISH_WORDS.search(message):
        return message
    chinese = for_page(message, status).rstrip("。")
    return f"{message}（{chinese}）"
