"""The texts admagic shows, in every language: the same keys, the same fields, the same code and
mathematics, really translated; and the rules that choose the language."""

import re
import threading

import pytest

from admagic import messages
from admagic.messages import EN, ZH, TABLES, fields, set_language, speaking, text


def problems(tables):
    """What is wrong between the language tables: a key missing from one, fields that differ."""
    found = []
    keys = set().union(*tables.values())
    for key in sorted(keys):
        where = {code: table[key] for code, table in tables.items() if key in table}
        for code in tables:
            if code not in where:
                found.append(f"{key!r} is missing in {code}")
        # A plural's forms are chosen by `count`, which a form (or the other language) may omit.
        plural = any(isinstance(entry, dict) for entry in where.values())
        shapes = {code: fields(entry) - ({"count"} if plural else set())
                  for code, entry in where.items()}
        if len({frozenset(s) for s in shapes.values()}) > 1:
            found.append(f"{key!r} has different fields: {shapes}")
        for code, entry in where.items():
            if isinstance(entry, dict):
                forms = [fields(form) for form in entry.values()]
                if set(entry) != {"one", "other"} or any(form != forms[0] for form in forms):
                    found.append(f"{key!r} in {code}: plural forms need one and other, with "
                                 "the same fields")
    return found


def test_every_message_is_in_every_language_with_the_same_fields():
    assert not problems(TABLES), "\n".join(problems(TABLES))


def test_the_check_finds_a_missing_message_and_different_fields():
    assert problems({"en": {"a": "x {n}", "b": "y"}, "zh": {"a": "甲 {n}"}}) == \
        ["'b' is missing in zh"]
    assert problems({"en": {"a": "x {n}"}, "zh": {"a": "甲 {m}"}})
    assert problems({"en": {"a": {"one": "x {n}", "other": "xs"}}, "zh": {"a": "甲 {n}"}})
    assert problems({"en": {"a": {"one": "{count} x", "other": "{count} xs"}}, "zh": {"a": "甲 {n}"}})


def test_the_tables_list_their_keys_in_the_same_order():
    assert list(EN) == list(ZH)


def _dummy(entry):
    return {name: f"<{name}>" for name in fields(entry)}


@pytest.mark.parametrize("code", TABLES)
def test_every_message_formats(code):
    for key, entry in TABLES[code].items():
        with speaking(code):
            written = text(key, **_dummy(entry))
        assert "{" not in written and "}" not in written, (key, written)
        assert all(f"<{name}>" in written for name in fields(entry)), (key, written)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_chinese_message_is_written_in_chinese():
    untranslated = [key for key, entry in ZH.items() if not _CJK.search(str(entry))]
    assert not untranslated, f"not translated: {untranslated}"


# Python, options, file suffixes and mathematics: the same in every language.
_CODE = re.compile(r"%%grad|%config GradMagics\.\w+|--[a-z][\w-]*|\b(?:np|os)\.\w+(?:\([^)]*\))?"
                   r"|\.(?:svg|png|pdf|dot|numpy)\b|\bmax_\w+|∂|± h|\bx=3\b|y = x \* x")


def test_code_and_mathematics_are_the_same_in_every_language():
    for key, entry in EN.items():
        english = str(entry)
        for token in set(_CODE.findall(english)):
            assert token in str(ZH[key]), f"{key}: {token!r} is not in the Chinese text"


def test_the_textbook_words():
    with speaking("zh"):
        assert text("table.value") == "值"
        assert text("graph.input") == "输入" and text("graph.output") == "输出"
        assert "梯度" in text("graph.gradients", output="z")
        assert text("graph.gradients", output="z").startswith("∂z/∂")


def test_english_plurals():
    with speaking("en"):
        assert text("graph.more_operations", count=1) == "… 1 more operation …"
        assert text("graph.more_operations", count=3) == "… 3 more operations …"
    with speaking("zh"):
        assert text("graph.more_operations", count=3) == "… 另有 3 个运算 …"


def test_listed_names_read_as_a_sentence():
    with speaking("en"):
        assert messages.listed(["a"]) == "a"
        assert messages.listed(["a", "b", "c"]) == "a, b and c"
    with speaking("zh"):
        assert messages.listed(["a", "b", "c"]) == "a、b 和 c"


# ---- which language -----------------------------------------------------------------------------

@pytest.fixture
def no_choice(monkeypatch):
    """No process-wide choice and no ADMAGIC_LANG, and whatever a test chooses is undone."""
    monkeypatch.delenv("ADMAGIC_LANG", raising=False)
    previous = messages._chosen
    messages._chosen = None
    yield monkeypatch
    messages._chosen = previous


def test_english_by_default(no_choice):
    assert messages.language() == "en"
    assert text("table.caption", inputs="x = 3") == "at x = 3"


@pytest.mark.parametrize("setting", ["zh", "ZH", "zh_CN.UTF-8", "zh-Hans"])
def test_the_environment_variable(no_choice, setting):
    no_choice.setenv("ADMAGIC_LANG", setting)
    assert messages.language() == "zh"
    assert text("table.caption", inputs="x = 3") == "在 x = 3 处"


def test_an_environment_language_admagic_does_not_speak_is_english(no_choice):
    no_choice.setenv("ADMAGIC_LANG", "fr_FR.UTF-8")
    assert messages.language() == "en"


def test_set_language_wins_over_the_environment_and_can_be_undone(no_choice):
    no_choice.setenv("ADMAGIC_LANG", "en")
    set_language("zh")
    assert text("graph.operation") == "运算"
    set_language(None)
    assert text("graph.operation") == "operation"


def test_set_language_holds_in_every_thread(no_choice):
    set_language("zh")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(text("graph.input")))
    thread.start()
    thread.join()
    assert seen == ["输入"]


def test_speaking_holds_in_its_block_and_its_thread_only(no_choice):
    set_language("en")
    seen = []
    with speaking("zh"):
        thread = threading.Thread(target=lambda: seen.append(text("graph.input")))
        thread.start()
        thread.join()
        assert text("graph.input") == "输入"
    assert text("graph.input") == "input"
    assert seen == ["input"]


def test_a_language_admagic_does_not_speak_is_refused_in_the_current_one(no_choice):
    with pytest.raises(ValueError, match="admagic speaks en, zh; 'fr' is not one of them"):
        set_language("fr")
    with speaking("zh"), pytest.raises(ValueError, match="支持的语言"):
        set_language("fr")
    assert messages.language() == "en"
