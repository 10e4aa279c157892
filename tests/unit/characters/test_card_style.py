"""A Character Card's example dialogue and greetings are style examples, never the persona."""

from llmverse.characters.card_style import split_dialogue, style_examples
from llmverse.characters.cards import card_from_character, parse_card

SERAPHINA = {
    "spec": "chara_card_v2", "spec_version": "2.0",
    "data": {
        "name": "Seraphina",
        "description": "Seraphina is a guardian of the glade who heals travellers.\n<START>\n"
                       "{{user}}: Where am I?\n{{char}}: You are safe in my glade, traveller.\n"
                       "Seraphina: Rest now.\nShe speaks softly.",
        "personality": "gentle, protective",
        "first_mes": "*Seraphina smiles at {{user}}.* Welcome to the glade.",
        "alternate_greetings": ["Ah, you are awake, {{user}}."],
        "mes_example": "<START>\n{{user}}: Who are you?\n{{char}}: I am Seraphina, keeper of this forest.",
    },
}


def test_dialogue_in_the_description_leaves_the_persona():
    card = parse_card(SERAPHINA)
    persona = card.character.persona
    assert "Seraphina: " not in persona and "Where am I" not in persona and "<START>" not in persona
    assert "guardian of the glade" in persona and "She speaks softly." in persona
    style = card.card_extras["style"]
    assert ["char", "You are safe in my glade, traveller."] in style["examples"]
    assert ["char", "Rest now."] in style["examples"]
    assert ["user", "Where am I?"] in style["examples"]
    assert ["char", "I am Seraphina, keeper of this forest."] in style["examples"]
    assert style["greetings"] == ["*Seraphina smiles at the player.* Welcome to the glade.",
                                  "Ah, you are awake, the player."]
    assert style_examples(card.card_extras)[:2] == ["You are safe in my glade, traveller.", "Rest now."]


def test_export_gives_back_the_card_as_written():
    card = parse_card(SERAPHINA)
    out = card_from_character(card.character, extras=card.card_extras)
    assert out["data"]["description"] == SERAPHINA["data"]["description"]
    assert out["data"]["mes_example"] == SERAPHINA["data"]["mes_example"]


def test_prose_with_a_colon_is_not_dialogue():
    text, turns = split_dialogue("Likes: tea and rain.\nNote: speaks Chinese.", ["Mei"])
    assert turns == [] and text == "Likes: tea and rain.\nNote: speaks Chinese."
