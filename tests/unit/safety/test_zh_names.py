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
