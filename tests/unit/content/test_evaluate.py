"""`eval content` on the scripted backend: the day is simulated, every figure is computed and printable."""

from rich.console import Console

from llmverse.content.evaluate import evaluate_content, tables


def test_the_evaluation_day_yields_every_figure(scripted):
    steps = []
    result = evaluate_content(scripted(), topics=("harbour",), progress=steps.append)
    assert result.events > 20 and len(steps) == len(result.items)
    assert result.news_precision("en") == 1.0 and result.news_precision("zh") == 1.0
    news = result.of("news")[0]
    assert "stories" in news.detail and not news.detail.startswith("0 ")
    assert result.form_rate("jueju5") == 1.0 and result.form_rate("jueju7") == 1.0
    assert result.form_rate("haiku") == 1.0  # the world's lines fill in where the model's do not fit
    assert result.model_form_rate("haiku") == 0.0  # the scripted model recites, it writes no haiku: reported
    assert result.quest_rate() == 1.0 and result.quest_rate("model_valid") == 0.0
    console = Console(record=True, width=160)
    for t in tables(result):
        console.print(t)
    out = console.export_text()
    assert "news grounding precision (en)" in out and "form compliance: haiku" in out and "written whole by the model: haiku" in out and "seconds per poem" in out
