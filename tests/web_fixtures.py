"""Shared helpers for the web tests: a small corpus built into a real index, and a JSON Schema checker.

Not a conftest: the web tests import what they need, so nothing here leaks into other engineers' tests.
The corpus is JSON Lines because that route maps fields one to one and keeps the tests predictable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The word most tests search for: 30 paragraphs in 6 articles hold it, so results span several pages.
WORD = "光伏"
# Appears in exactly one paragraph (article 3, paragraph 4): a precise target for anchors and citations.
UNIQUE = "潮汐能"
# Never appears together with WORD, so searching both gives partial matches.
LONE = "鲸鱼"
MISSING = "恐龙化石"

SOURCES = ["嘉兴日报", "浙江日报"]
CITIES = ["嘉兴", "海宁", "平湖", "桐乡", "嘉善", "海盐"]
EXTRAS = [
    "带动了上下游企业集聚",
    "年发电量可满足数万户家庭用电",
    "屋顶资源得到充分利用",
    "企业用电成本明显下降",
    "并网效率比去年提高一成",
]

XSS_TITLE = '<script>alert("title")</script>储能专题'
XSS_TEXT = '专家认为<b>储能</b>电站 & "新型电力系统" <img src=x onerror=alert(1)> 值得关注。'


def articles() -> list[dict[str, Any]]:
    """Eight small articles; every paragraph's text is distinct so nothing is merged as a duplicate."""
    out: list[dict[str, Any]] = []
    for i, city in enumerate(CITIES, start=1):
        paragraphs = [f"{city}第{i}篇报道的导语，介绍本地经济运行的总体情况。"]
        for j, extra in enumerate(EXTRAS, start=1):
            paragraphs.append(f"{city}今年新增{i * 10 + j}兆瓦{WORD}装机，{extra}，第{j}个项目进展顺利。")
        if i == 3:
            paragraphs[3] = f"{city}还在研究{UNIQUE}发电的可行性，专家进行了实地考察。"
            paragraphs.append(f"{city}的{WORD}扶贫项目惠及{i}个村，村民收入稳步增加。")
        out.append(
            {
                "id": f"news-{i}",
                "title": f"{city}绿色能源发展调查（{i}）",
                "text": "\n".join(paragraphs),
                "source": SOURCES[i % 2],
                "date": f"2023-{10 + i % 3:02d}-{10 + i:02d}",
                "url": f"https://example.com/news/{i}",
            }
        )
    out.append(
        {
            "id": "news-whale",
            "title": "海洋保护志愿者在近海观察到鲸鱼",
            "text": f"一群{LONE}出现在东海海域，志愿者记录了它们的活动。\n海洋部门提醒渔船注意避让。",
            "source": SOURCES[0],
            "date": "2023-09-01",
            "url": "",
        }
    )
    out.append(
        {
            "id": "news-xss",
            "title": XSS_TITLE,
            "text": f"{XSS_TEXT}\n储能产业链正在形成。",
            "source": SOURCES[1],
            "date": "2023-12-20",
            "url": "javascript:alert(1)",
        }
    )
    return out


def write_corpus(corpus_dir: Path) -> Path:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    path = corpus_dir / "news.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles()) + "\n", encoding="utf-8")
    return corpus_dir


def build_test_index(root: Path) -> Path:
    """A real index of the test corpus under `root`; returns the index directory."""
    from searcher.index.build import build_index

    corpus = write_corpus(root / "corpus")
    index = root / "index"
    build_index(corpus, index)
    return index


# --- a small JSON Schema checker (jsonschema is not installed in .venv) -------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def schema_errors(instance: Any, schema: dict[str, Any], document: dict[str, Any], at: str = "$") -> list[str]:
    """Check `instance` against the subset of JSON Schema our OpenAPI document uses; returns the problems.

    Supports $ref (local), type, required, properties, additionalProperties: false, items, minimum, maximum,
    minLength, maxLength, enum. Any other keyword in the document fails loudly, so the checker cannot silently
    ignore a constraint added later.
    """
    if "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(instance, target, document, at)
    known = {
        "type", "required", "properties", "additionalProperties", "items", "minimum", "maximum",
        "minLength", "maxLength", "description", "default", "format", "enum",
    }  # fmt: skip
    unknown = set(schema) - known
    if unknown:
        return [f"{at}: checker does not support {sorted(unknown)}"]
    errors: list[str] = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{at}: {instance!r} not one of {schema['enum']}")
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else expected  # ["string", "null"]: nullable
        types = tuple(t for name in names for t in _TYPES[name])
        # bool is an int subclass in Python but not an integer in JSON.
        if not isinstance(instance, types) or (isinstance(instance, bool) and "boolean" not in names):
            return [f"{at}: expected {expected}, got {type(instance).__name__}"]
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{at}: missing {key!r}")
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{at}: unexpected {key!r}" for key in instance if key not in properties]
        for key, sub in properties.items():
            if key in instance:
                errors += schema_errors(instance[key], sub, document, f"{at}.{key}")
    if isinstance(instance, list) and "items" in schema:
        for n, item in enumerate(instance):
            errors += schema_errors(item, schema["items"], document, f"{at}[{n}]")
    if isinstance(instance, int | float) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{at}: {instance} < minimum {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{at}: {instance} > maximum {schema['maximum']}")
    if isinstance(instance, str):
        if "minLength" in schema and len(instance) < schema["minLength"]:
            errors.append(f"{at}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            errors.append(f"{at}: longer than {schema['maxLength']}")
    return errors


def response_schema(document: dict[str, Any], path: str, status: int) -> dict[str, Any]:
    """The schema the OpenAPI document promises for GET `path` answering `status`."""
    response = document["paths"][path]["get"]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]
