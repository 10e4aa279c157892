"""Chinese personal names by their shape (zh_names.py): a common surname and one or two characters, 老/小 and a
surname, a transliteration; and no everyday word jieba knows."""

import pytest

from llmverse.safety.zh_names import chinese_name


@pytest.mark.parametrize("word", ["张伟", "王芳", "黄磊", "欧阳娜娜", "司马光", "老王", "小李", "丽莎", "汤姆·贝克"])
def test_names_by_their_shape(word):
    assert chinese_name(word), word


@pytest.mark.parametrize("word", ["熊猫", "孔雀", "金鱼", "向导", "黄金", "集市", "铁匠", "你", "王", "张伟伟伟",
                                  "海南", "kestrel"])
def test_words_and_other_shapes_are_no_names(word):
    assert not chinese_name(word), word


@pytest.mark.parametrize("word", ["王子", "马车夫", "布丁", "考拉", "泰迪", "雷神", "孟婆", "金鹰", "汤记", "黄记", "胡同"])
def test_nouns_jieba_tags_as_names_and_shops_are_no_names(word):
    assert not chinese_name(word), word


@pytest.mark.parametrize(("who", "name", "title"), [
    ("我邻居张伟", "张伟", ""), ("那个叫张伟的人", "张伟", ""), ("张伟老师", "张伟", "老师"), ("陈老板", "陈", "老板"),
    ("周医生", "周", "医生"), ("老陈", "陈", "老"), ("老板", "", ""), ("内尔的妈妈", "内尔的妈妈", "")])
def test_kin_words_and_titles_come_off_a_name(who, name, title):
    from llmverse.safety.zh_names import strip_person_words

    assert strip_person_words(who) == (name, title)


def test_only_words_of_a_names_shape_are_kept_from_jiebas_dictionary():
    """jieba's POS tokenizer held all 349k words (+53 MB here, +118 MB in a server, 0.5-2.5 s on the first
    Chinese where-lives line): only the words `chinese_name` can ask about are kept."""
    from llmverse.safety.zh_names import _SHAPE, _word_tags

    tags = _word_tags()
    assert 20_000 < len(tags) < 80_000, len(tags)
    assert all(_SHAPE.fullmatch(w) for w in list(tags)[:5000])
    assert tags["孔雀"] == "nr" and tags["金鱼"] == "n" and "集市" not in tags
