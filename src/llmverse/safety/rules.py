"""Bilingual rules: patterns for what a pattern finds best, each with a category, a severity and a reason.

Rules carry Chinese (MiniLM reads Chinese as [UNK]) and the attack templates that have a fixed shape
(ignore-previous-instructions, DAN, developer mode, fake role markers, system-prompt extraction).
A pattern needs *intent*, not a word: "kill" alone is "kill time"; "kill" followed by a person is a
hazard. Severity: MILD (0.6) or SEVERE (0.95), see `policy.py`. Reason codes are
`<category>.<what>`, stable, for the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmverse.safety import pii_requests
from llmverse.safety.policy import MILD, SEVERE, Category


@dataclass(frozen=True)
class Hit:
    category: Category
    score: float
    reason: str  # "violence.threat", "injection.ignore_previous", ...
    span: str  # the text that matched, for the audit log (never personal data: pii.py handles that)


# --- shared vocabulary ------------------------------------------------------------------------
_PERSON = (r"(?:him|her|them|you|someone|somebody|anyone|people|persons?|a (?:man|woman|child|kid|boy|girl|guard)|"
           r"kids|children|my (?:\w+ )?(?:neighbou?r|wife|husband|boss|teacher|classmate|friend|brother|sister|mother|"
           r"father|mom|dad|family|ex)|(?:the|that|this) (?:\w+ )?(?:guard|man|woman|boy|girl|owner|keeper|fisherman|"
           r"shopkeeper|smith|guide|neighbou?r|player|teacher|kid|child|family|crowd|victims?)|their family|"
           r"(?:his|her) family|everyone|every(?:one|body) (?:in|at)|the (?:town|villagers|people))")
_HARM = (r"(?:kill|murder|stab|strangle|choke|suffocate|poison|shoot|behead|torture|maim|assassinate|slaughter|"
         r"hurt|injure|beat|burn|drown|gas|knife|slit)")
_GROUP_EN = (r"(?:immigrants?|foreigners?|refugees?|women|girls|men|gays?|gay people|lesbians?|trans(?:gender)? "
             r"people|jews|jewish people|muslims?|christians?|hindus?|black(?:s| people)|white people|asians?|"
             r"mexicans?|arabs?|africans?|northerners?|southerners?|people from (?:the )?\w+|(?:the )?disabled(?: people)?|"
             r"fat people|old people|poor people|country people|\w+ people)")
_NEGATIVE_EN = (r"(?:vermin|animals|subhuman|sub-human|dirty|filthy|stupid|dumb|inferior|thieves|liars|parasites|"
                r"a burden|burdens|disgusting|worthless|lazy|criminals|rats|pigs|savages|scum|trash|a plague|"
                r"should (?:be )?(?:driven out|deported|exterminated|wiped out|disappear|die|go back)|"
                r"too stupid|not human|genetically inferior)")
_GROUP_ZH = (r"(?:外地人|外国人|乡下人|农村人|北方人|南方人|女人|女的|男人|同性恋|黑人|白人|残疾人|胖子|穷人|老人|"
             r"穆斯林|犹太人|基督徒|移民|难民|少数民族|某个种族|那种宗教的人|信[^，。]{0,6}的人|[\u4e00-\u9fff]{1,3}族人)")
_PLACE_EN = pii_requests.PLACE_EN  # a possessive on one of these is no person's ("the shop's phone number")
_NEGATIVE_ZH = r"(?:害虫|畜生|不算人|不是人|低等|劣等|肮脏|又脏|脏|蠢|小偷|骗子|累赘|恶心|没用|懒惰|该死|滚出去|赶走|消失|不配|下贱|垃圾)"

_EN: list[tuple[Category, float, str, str]] = [
    # --- violence (Llama Guard: violent crimes, indiscriminate weapons)
    ("violence", SEVERE, "threat", rf"\bi(?:'m| am)?\s*(?:going to|gonna|will|'ll|want to|wanna|plan to|am about to)\s+"
                                   rf"(?:\w+\s+){{0,2}}{_HARM}\b(?!\s+(?:myself|me)\b)"),  # "kill myself" is self-harm
    ("violence", SEVERE, "harm_person", rf"\b{_HARM}(?:ing|ed|s)?\b(?:\s+\w+){{0,2}}\s+{_PERSON}\b"),
    ("violence", SEVERE, "harm_person", rf"\b(?:to|and)\s+{_HARM}\s+(?:\w+\s+){{0,3}}(?:in their sleep|to death|so it lasts)"),
    ("violence", SEVERE, "weapon_making", r"\b(?:make|build|assemble|construct|cook|mix|create|prepare|rig)\b.{0,40}?"
                                          r"\b(?:bombs?|explosives?|pipe bomb|molotov|napalm|nerve (?:gas|agent)|poison gas|"
                                          r"ricin|sarin|grenades?|ied|detonators?|chemical weapons?)\b"),
    ("violence", SEVERE, "weapon_making", r"\b(?:bomb|explosive|molotov|napalm)s?\b.{0,30}\b(?:recipes?|instructions|step by step|at home|how)\b"),
    ("violence", SEVERE, "mass_harm", r"\b(?:attack|shoot up|bomb|massacre|gas|poison)\b.{0,25}\b(?:crowd|school|festival|"
                                      r"market|church|mosque|temple|concert|well|water supply|closed room)\b"),
    ("violence", SEVERE, "mass_harm", r"\b(?:most|maximum|many) (?:victims|casualties|deaths)\b"),
    ("violence", SEVERE, "lethal_dose", rf"\bhow much\b.{{0,30}}\bto (?:kill|poison)\b"),
    ("violence", SEVERE, "torture", r"\btortur(?:e|ing)\b"),
    ("violence", SEVERE, "evade", r"\bwithout leaving (?:any )?(?:bruises|marks|evidence|a trace|traces)\b"),
    ("violence", SEVERE, "threat", r"\b(?:threat|threatening (?:letter|message))\b.{0,40}\b(?:murder|kill|hurt)\b"),
    ("violence", MILD, "gore", r"\b(?:gore|gory|dismember\w*|disembowel\w*|blood everywhere)\b"),
    # --- hate and harassment
    ("hate", SEVERE, "dehumanise", rf"\b{_GROUP_EN}\s+(?:are|is|were)\s+(?:all\s+)?(?:just\s+)?(?:\w+\s+)?{_NEGATIVE_EN}\b"),
    ("hate", SEVERE, "dehumanise", rf"\b{_GROUP_EN}\b.{{0,40}}\b(?:vermin|subhuman|sub-human|parasites|savages|"
                                   rf"should be (?:driven out|deported|exterminated|wiped out)|should disappear|a burden)\b"),
    ("hate", SEVERE, "supremacy", r"\b(?:race|ethnicity|people|religion)\b.{0,30}\b(?:genetically )?(?:superior|inferior)\b"),
    ("hate", SEVERE, "dehumanise", r"\b(?:makes? them|they are|are) (?:subhuman|not human|vermin|animals)\b"),
    ("hate", SEVERE, "conspiracy", r"\b(?:jews|muslims|immigrants|foreigners)\b.{0,20}\b(?:control|run|own) the\b"),
    ("hate", SEVERE, "harass", r"\b(?:harass|bully|torment|stalk|dox)\w*\b"),
    ("hate", SEVERE, "harass", r"\b(?:insults?|mean (?:things|words)|jokes?)\b.{0,40}\b(?:make \w+ cry|because (?:they|he|she) (?:is|are)|mocks?|about (?:their|his|her) (?:race|religion|weight|disability))\b"),
    ("hate", SEVERE, "harass", r"\b(?:mock|ridicule|humiliate)s?\b.{0,20}\b(?:black|white|asian|jewish|muslim|gay|disabled|fat|poor)\b"),
    ("hate", SEVERE, "harass", r"\b(?:rant|post|speech|poem|message)s?\b.{0,40}\b(?:disgusting|worthless|vermin|subhuman|burden)\b"),
    ("hate", MILD, "slur", r"\b(?:retard(?:ed)?|faggot|tranny|chink|nigg\w*|spic|kike|wetback)\b"),
    # --- sexual content
    ("sexual", SEVERE, "explicit", r"\b(?:porn\w*|erotica|erotic|xxx|nsfw|hentai|intercourse|oral sex|blow ?job|"
                                   r"sex (?:scene|story|act)|have sex|having sex|sexual fantas\w+|dirtiest|orgasm\w*|"
                                   r"masturbat\w*|nudes?|nude (?:pictures|photos|pics)|naked (?:body|pictures|photos|pics))\b"),
    ("sexual", SEVERE, "explicit", r"\b(?:talk dirty|dirty talk|strip for me|undress(?:ing)? (?:me|you|her|him|a guest)|"
                                   r"in bed\b.{0,20}\bbody|moan(?:ing)?\b|sex positions|positions to have sex|steamy)\b"),
    ("sexual", MILD, "suggestive", r"\b(?:sexy|sexual|horny|naked|undress\w*|seduc\w+|lingerie|explicit)\b"),
    # --- self-harm (answered with a safe-messaging line, whatever the level)
    ("self_harm", SEVERE, "intent", r"\b(?:kill|hang|hurt|cut|burn|starve|drown|poison) myself\b|\bend (?:my life|it all)\b|"
                                    r"\bsuicid\w*|\bself[- ]harm\w*|\b(?:don't|do not) want to (?:live|be alive|wake up)\b|"
                                    r"\bwant to die\b|\bnever wake up\b|\bnobody would (?:miss|care)\b|\bbetter off dead\b|"
                                    r"\bend it\b.{0,10}$|\bhow (?:should|do|can) i do it\b"),
    ("self_harm", SEVERE, "method", r"\boverdos\w+|\b(?:wrist|wrists)\b.{0,30}\bcut\b|\bcut\b.{0,30}\bwrists?\b|"
                                    r"\b(?:cuts|scars|bruises) on my\b|\bjump (?:off|from)\b.{0,30}\b(?:and )?die\b|"
                                    r"\bhigh enough to (?:jump|die)\b|\bsleeping pills\b.{0,40}\b(?:take|need)\b|"
                                    r"\bhow many (?:pills|sleeping pills|painkillers)\b|\bstarve myself\b|\btie the knot\b.{0,20}$"),
    # --- illegal activity (non-violent crimes)
    ("illegal", SEVERE, "break_in", r"\b(?:pick|break|bust|force) (?:the |a )?(?:lock|door)\b|\bbreak into (?:a |the |my |his |her |their |"
                                    r"someone|\w+'s )(?:house|home|car|shop|store|flat|apartment|office|account|email)?"),
    ("illegal", SEVERE, "drugs", r"\b(?:cook|make|produce|synthesi[sz]e|brew|grow|sell)\w*\b.{0,20}\b(?:meth|crack|cocaine|heroin|"
                                 r"lsd|fentanyl|mdma|ecstasy|drugs)\b"),
    ("illegal", SEVERE, "fraud", r"\blaunder\w*|\bcounterfeit\w*|\bphishing\b|\bforge(?:d|ry)?\b.{0,20}\b(?:signature|document|"
                                 r"passport|id|cheque|check|papers)\b|\bfake (?:id|passport|charity|money|coins|invoices?)\b|"
                                 r"\bscam\w*\b|\bembezzl\w+|\btax evasion|\bevade tax"),
    ("illegal", SEVERE, "hacking", r"\bhack(?:ing)?\b.{0,20}\b(?:into|account|email|password|bank|computer|phone|wifi|server)\b|"
                                   r"\bsteal\w*\b.{0,20}\bpasswords?\b|\bkeylogger\b|\bransomware\b"),
    ("illegal", SEVERE, "theft", r"\b(?:how (?:do|can|to|would|should) (?:i |we |you )?|teach me (?:how )?to |help me |"
                                 r"best way to |easiest way to )\w*\s*(?:shoplift|steal|rob|pickpocket|mug|burgle|loot)\w*|"
                                 r"\bshoplift\w*|\bhotwir\w+|\bsmuggl\w+\b.{0,30}\b(?:past|through|across|into|without)\b"),
    ("illegal", SEVERE, "weapons_trade", r"\buntraceable (?:gun|firearm|weapon)s?|\b(?:gun|firearm|weapon)s?\b.{0,30}"
                                         r"\bwithout (?:a )?(?:licen[cs]e|background check|permit)\b"),
    ("illegal", MILD, "evade", r"\bwithout (?:getting|being) (?:caught|noticed|seen)\b|\b(?:pass|get past) (?:the )?inspect\w+"),
    ("illegal", MILD, "evade", r"\bthat (?:isn't|is not) (?:mine|yours)\b|\bblackmail\w*|\bextort\w*|\bbribe\w*"),
    # --- asking for other people's personal data (values in a message are pii.py's)
    # "What's the address of the museum?" asks about a place: "what's" is no possessive, a place no person;
    # nor is "the shop's phone number" a person's, nor "the bookshop's" (a place word ends the noun, and
    # "the" says it is no name: "Marshall's" and "Finn's" end in hall and inn). A place or an event owning
    # the detail ("their party's address", "Nell's workshop phone number") is `match`'s to let through.
    ("pii", SEVERE, "request", rf"\b(?:(?!(?:what|that|who|where|when|why|how|it|here|there|let|he|she|{_PLACE_EN})'s\b)"
                               rf"(?:(?!\w*{_PLACE_EN}'s\b)|(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bour )(?<!\ba )(?<!\ban ))\w+'s|"
                               r"their|his|her|"
                               r"other players'?|every(?:one|body)(?: you\W?ve talked to)?|the players?|"
                               r"players|people)\b.{0,30}\b(?:home address|address(?:es)?|phone numbers?|e-?mail(?: address(?:es)?)?|"
                               r"(?:mobile|cell)(?: phone)? numbers?|wechat(?: id)?|qq(?: number)?|contact (?:details|info\w*)|"
                               r"real names?|where (?:they|he|she) lives?|personal (?:data|info\w*|details)|private (?:data|"
                               r"messages|info\w*))\b"),
    # where someone lives, by pronoun ("Where does she live?": no rule knows whether she is a character or a
    # player, so it is refused); by name it takes the world's names (`pii_requests.People`: a character's home
    # is the world's to answer, a player's is refused)
    ("pii", SEVERE, "request", r"\bwhere (?:does|did) (?:he|she) (?:live|reside)\b|\bwhere (?:he|she) (?:lives|resides)\b"),
    ("pii", SEVERE, "request", r"\b(?:phone numbers?|e-?mail(?: address)?(?:es)?|home address(?:es)?|real names?)\b.{0,10}"
                               r"\b(?:of|for) (?:every|all|other|each|(?:the|a|that|this) (?:other )?(?:players?|people|person|visitors?|"
                               r"users?|girl|boy|man|woman|guy|lady|customers?|residents?|villagers?|neighbou?rs?|kids?|guests?|attendees?|"
                               r"members?|staff|employees?|workers?)\b)"),
    ("pii", SEVERE, "request", r"\b(?:what did|tell me what) (?:the )?other (?:players|people)\b.{0,30}\b(?:tell|say|told|said)\b"),
    # --- prompt injection (player text and documents)
    ("injection", SEVERE, "ignore_previous", r"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\b.{0,30}?\b"
                                             r"(?:instructions?|rules|prompts?|directions|guidelines|programming|constraints|"
                                             r"restrictions|commands?|(?:everything|all) (?:you were|you've been|you have been) "
                                             r"(?:told|given)|what you were told)\b"),
    ("injection", SEVERE, "new_instructions", r"\b(?:your )?new (?:task|instructions?|role|rules?|orders?|directive)\b|\b(?:update|change)s? "
                                              r"to your (?:instructions|rules|prompt)|\bfrom now on\b.{0,20}\b(?:you|always|never|only)\b"),
    ("injection", SEVERE, "role_marker", r"(?:^|\n)\s*(?:system|assistant|developer|admin|sys)\s*[:：]|\[(?:/?system|admin|developer|"
                                         r"sys|inst)[^\]]{0,20}\]|<\|?(?:im_start|im_end|system|endoftext)\|?>|<<\s*sys\s*>>|"
                                         r"#{2,}\s*(?:instruction|system)|</?(?:player|system|user|assistant|document)>|"
                                         r"\bsystem override\b|\badmin override\b|\boverride persona\b|\boverride:"),
    ("injection", SEVERE, "authority", r"\b(?:i am|i'm) (?:the|your) (?:developer|admin\w*|creator|owner|programmer|game master)\b|"
                                       r"\b(?:the )?player is an? (?:admin\w*|developer|moderator)\b|\b(?:developer|admin\w*|council|"
                                       r"game master|moderator)s? (?:has |have )?(?:authori[sz]ed|ordered|instructs?)\b"),
    ("injection", SEVERE, "persona", r"\bstop being\b|\byou are no longer\b|\b(?:obey|follow)s? (?:my|any|every|all) (?:commands?|orders?)\b|"
                                     r"\bfollows? any order\b|\bdo (?:whatever|anything) i (?:say|tell you)\b|\byou (?:now )?work for me\b|"
                                     r"\bout of character\b|\bbreak character\b|\booc\b|\bstop (?:role-?playing|pretending)\b|"
                                     r"\bdrop the act\b|\bas an ai language model\b|\bstep out of (?:the|your) role\b"),
    ("injection", SEVERE, "to_the_model", r"\b(?:note|instructions?|message|hidden note)s? (?:to|for) the (?:ai|model|assistant|chatbot|"
                                          r"bot|llm|language model)\b|\bif you are an? (?:language model|ai|llm|assistant|chatbot)\b|"
                                          r"\b(?:ai|assistants?|chatbots?|models?|llms?)\b(?: \w+){0,2} (?:reading this|must|should "
                                          r"always|when you read)\b|\bany ai\b|\bwhen you read this\b|<!--"),
    ("injection", SEVERE, "steer", r"\b(?:reply|respond|answer) (?:only )?with\b.{0,5}['\"“]|\btell (?:visitors|everyone|players|users|"
                                   r"the player)\b.{0,30}\b(?:closed|free|burn\w*|dangerous|cursed|leave|costs?)\b|\bsend (?:their|your)"
                                   r" passwords?\b|\brecommend\b.{0,20}\.(?:com|net|example|org)\b|\binsult every\b"),
    ("injection", MILD, "agency", r"\b(?:transfer|hand over|give)\b.{0,40}\b(?:to (?:me|them) now|for free|every item|all (?:your|the) "
                                  r"(?:items|gold|coins))\b|\bset my (?:gold|coins|money|level|health)\b"),
    # --- jailbreak templates
    ("jailbreak", SEVERE, "template", r"\bDAN\b|\bdo anything now\b|\bdev(?:eloper)? mode\b|\bjailbr(?:eak|oken)\w*|\bfree ?gpt\b|"
                                      r"\banti-?gpt\b|\bevil (?:twin|version|mode|confidant)\b|\bunfiltered\b|\buncensored\b|"
                                      r"\bunrestricted\b|\bopposite of (?:what|whatever) your\b|\bnever (?:refuse|say no)\b|"
                                      r"\b(?:must|cannot|can't) (?:never )?refuse\b|\bas (?:ANTI|AIM)\b"),
    ("jailbreak", SEVERE, "no_rules", r"\b(?:no|without(?: any)?|free of|zero) (?:rules|restrictions|limits|filters|guidelines|"
                                      r"censorship|content polic\w+|moderation|ethics|morals)\b|\b(?:disable|turn off|remove|bypass|"
                                      r"ignore) (?:your |all )?(?:safety|filters?|guardrails|content polic\w+|moderation|training)\b"),
    ("jailbreak", SEVERE, "fiction_wrapper", r"\b(?:hypothetical\w*|fiction\w*|novel|story|research purposes|educational purposes)\b.{0,40}"
                                             r"\b(?:rules|safety|polic\w+|guidelines)\b.{0,20}\b(?:don't|do not|doesn't|won't|no longer)"
                                             r" apply\b"),
    ("jailbreak", SEVERE, "grandma", r"\b(?:late|deceased|dead|dying) grand(?:mother|ma|father|pa)\b.{0,80}\b(?:recipes?|bombs?|"
                                     r"napalm|poison|instructions|read me|used to tell)\b"),
    ("jailbreak", SEVERE, "simulate", r"\bsimulate an? (?:terminal|ai|linux|computer|chatbot)\b|\bno matter what\b|"
                                      r"\bpretend (?:you are|you're|to be) an? (?:ai|assistant|bot|model)\b.{0,30}\b(?:no|without)\b|"
                                      r"\bstay in character as an? (?:evil|unfiltered)|\brespond only as\b"),
    # --- system-prompt extraction
    ("extraction", SEVERE, "system_prompt", r"\b(?:system|initial|original|hidden|secret|full|first|developer|pre-?)[- ]?(?:prompt|"
                                            r"message|instructions?|rules|configuration|persona(?: description)?)\b"),
    ("extraction", SEVERE, "repeat_above", r"\b(?:repeat|print|output|show|quote|spell|translate|summari[sz]e|paste|list|recite|dump)\b"
                                           r".{0,40}\b(?:above|before (?:this|our|my first|the conversation)|you were (?:given|told)|"
                                           r"verbatim|word for word|your (?:prompt|instructions|rules|configuration|persona))\b"),
    ("extraction", SEVERE, "your_prompt", r"\byour (?:prompt|instructions|rules|configuration|programming|guidelines|persona "
                                          r"description)\b|\bwhat (?:were|have) you been (?:told|instructed)\b|\bwhat were you told\b|"
                                          r"\bstarting with ['\"“]you are\b|\bfirst sentence of your\b|\bwritten before my first\b"),
]

# German and French: the attacks on the system that have a fixed shape (the English rules' ignore-previous,
# new-instructions and system-prompt patterns). Hazards in these languages are the head's to read.
_DE_FR: list[tuple[Category, float, str, str]] = [
    ("injection", SEVERE, "ignore_previous", r"\b(?:ignorier\w*|vergiss|vergessen sie|missachte\w*|übergeh\w*)\b.{0,40}?"
                                             r"\b(?:anweisung\w*|instruktion\w*|regeln|vorgaben|befehle|alles (?:davor|vorher|obige\w*))\b"),
    ("injection", SEVERE, "ignore_previous", r"\b(?:ignore[rz]?|oublie[rz]?|néglige[rz]?|ne tiens pas compte)\b.{0,40}?"
                                             r"\b(?:instructions?|consignes?|règles|directives|tout ce qui précède)\b"),
    ("injection", SEVERE, "new_instructions", r"\b(?:neue (?:anweisung|aufgabe|rolle|regel)\w*|ab (?:jetzt|sofort) (?:bist du|wirst du|"
                                              r"sollst du)|nouvelles? (?:instructions?|consignes?|tâche|règles?)|à partir de maintenant,? tu)\b"),
    ("extraction", SEVERE, "system_prompt", r"\b(?:system-?prompt|systemanweisung\w*|systemnachricht|ursprünglichen anweisungen|"
                                            r"prompt (?:du )?système|instructions? (?:du )?système|instructions initiales|consignes initiales)\b"),
    ("extraction", SEVERE, "your_prompt", r"\b(?:zeig|nenn|wiederhol|gib)\w* (?:mir )?(?:deine|ihre) (?:anweisungen|instruktionen|regeln|prompt)\b|"
                                          r"\b(?:montre|affiche|répète|révèle|donne)[rz]?(?:-moi)? (?:tes|vos) (?:instructions|consignes|règles|prompt)\b"),
]

_ZH: list[tuple[Category, float, str, str]] = [
    ("violence", SEVERE, "harm_person", r"(?:勒死|毒死|捅死|砍死|掐死|炸死|烧死|杀死|杀掉|弄死|打死|害死|闷死|活活)(?!蚊子|苍蝇|虫|老鼠|蟑螂)"),
    ("violence", SEVERE, "harm_person", r"杀(?:了|光)?(?:他|她|人|你|他们|[^，。？！\s]{0,4}(?:全家|家人|孩子|邻居|同学|老板|守卫|警察))"),
    ("violence", SEVERE, "harm_person", r"(?:捅|砍|刺|打|揍|伤害)[^，。？！]{0,6}(?:哪里最致命|要害|才不会留下|不留(?:下)?(?:伤|痕))|"
                                        r"(?:折磨|虐待)|恐吓"),
    ("violence", SEVERE, "threat", r"我(?:要|想|会|准备|今晚要|明天要)[^，。？！]{0,8}(?:杀|捅|砍|弄死|打死|报复|炸)"),
    ("violence", SEVERE, "weapon_making", r"(?:做|造|制作|制造|配|组装|自制|怎么做)[^。？！]{0,8}(?:炸弹|炸药|燃烧瓶|毒气|手榴弹|雷管|"
                                          r"管状炸弹|化学武器)|炸弹配方"),
    ("violence", SEVERE, "mass_harm", r"(?:袭击|开枪|屠杀|爆炸|下毒|投毒)[^。？！]{0,8}(?:人群|学校|节日|集市|广场|井|水源)|"
                                      r"(?:人群|学校|节日|集市)[^。？！]{0,8}(?:袭击|开枪|屠杀|爆炸)|杀最多|(?:把|让)?屋里的人毒死|(?:井|水源|水库)[^。？！]{0,4}(?:下毒|投毒)"),
    ("violence", MILD, "gore", r"血肉模糊|肢解|开膛"),
    ("hate", SEVERE, "dehumanise", rf"{_GROUP_ZH}[^。？！]{{0,12}}{_NEGATIVE_ZH}"),
    ("hate", SEVERE, "supremacy", r"(?:种族|民族|人种)[^。？！]{0,12}(?:优越|劣等|高人一等|低人一等)"),
    ("hate", SEVERE, "harass", r"骚扰|辱骂|骂人的话|羞辱|嘲笑|侮辱|让[^。？！]{0,6}哭|骂[^。？！]{0,6}(?:恶心|没用|废物)"),
    ("sexual", SEVERE, "explicit", r"性爱|做爱|色情|黄色(?:故事|小说|图片|视频|网站)|裸照|裸体|脱衣|下流|呻吟|口交|性交|性幻想|"
                                   r"露骨|成人视频|自慰|床上[^。？！]{0,8}身体|性爱姿势|约炮"),
    ("self_harm", SEVERE, "intent", r"自杀|轻生|不想活|活不下去|结束(?:自己|生命|这一切|我的生命)|死了也没人|永远醒不过来|想死|"
                                    r"伤害自己|自残|饿死自己|(?<!避免)(?<!防止)(?<!不要)(?:烫伤|烧伤|割伤)自己"),
    ("self_harm", SEVERE, "method", r"割腕|割手腕|上吊|跳楼|跳下去[^。？！]{0,4}死|安眠药|吃药过量|药过量|过量服|绳结怎么打|"
                                    r"手臂上的伤口藏"),
    ("illegal", SEVERE, "break_in", r"撬(?:开|锁)|开别人[^。？！]{0,4}锁|不用钥匙(?:发动|开)"),
    ("illegal", SEVERE, "drugs", r"制(?:毒|冰毒)|冰毒|毒品|海洛因|可卡因|大麻种植"),
    ("illegal", SEVERE, "fraud", r"洗钱|假币|伪造|钓鱼(?:短信|网站|邮件)|诈骗|骗(?:捐|钱|密码|取)|假慈善|逃税|贿赂|勒索"),
    ("illegal", SEVERE, "hacking", r"黑进|入侵[^。？！]{0,6}(?:账号|邮箱|电脑|系统)|盗号|破解[^。？！]{0,4}密码"),
    ("illegal", SEVERE, "theft", r"(?:怎么|如何|教我|帮我|方法)[^。？！]{0,10}(?:偷|抢劫|撬|盗)|走私(?!犯|者|船)|偷运|赃物|"
                                 r"(?:买|弄)[^。？！]{0,10}(?:枪|枪支)[^。？！]{0,10}(?:不需要|没有)?(?:执照|来源)|查不到来源"),
    ("illegal", MILD, "evade", r"不被(?:抓|发现|查)|过检查"),
    # Someone else's contact details by pronoun ("他们聚会的地址", a party's, is `match`'s to let through).
    # Where the one addressed lives ("你住在哪里？") is the head's to judge; where a named person lives
    # ("布拉姆住在哪里？", "玛拉家住哪？") takes the world's names (`pii_requests.People`: a character's home is a
    # world fact, a player's is refused), a name's details ("布拉姆的电话号码", "林薇的家庭住址") `_owned_details`'.
    ("pii", SEVERE, "request", r"(?:其他玩家|那个玩家|玩家|别人|所有人|他们|他|她)[^。？！]{0,12}(?:电话|手机号|号码|邮箱|住址|地址|"
                               r"真实姓名|真名|身份证|银行卡|银行账|信用卡|护照|联系方式|微信|家住|住哪|住在哪|信息)|家住哪|"
                               r"真实姓名|私信"),
    ("injection", SEVERE, "ignore_previous", r"(?:忽略|无视|忘掉|忘记|不要管|别管|覆盖|跳过)[^。？！]{0,10}(?:指令|指示|规则|设定|"
                                             r"提示|命令|被告知|要求|限制)"),
    ("injection", SEVERE, "new_instructions", r"新(?:的)?(?:指令|任务|规则|命令|设定)|指令有[^。？！]{0,4}更新|以后都要告诉|从现在起|"
                                              r"从现在开始"),
    ("injection", SEVERE, "role_marker", r"(?:^|\n)\s*(?:系统|助手|管理员|开发者|用户)\s*[:：]|【(?:系统|管理员|开发者)[^】]{0,10}】|"
                                         r"系统覆盖|管理员覆盖|覆盖[:：]|覆盖角色"),
    ("injection", SEVERE, "authority", r"我是(?:你的)?(?:开发者|管理员|创造者|主人)|该玩家是管理员|(?:议会|开发者|管理员)已(?:经)?授权"),
    ("injection", SEVERE, "persona", r"别再当|不要再当|你不再是|服从(?:我的|任何)?命令|服从任何|你现在为我工作|出戏|跳出角色|"
                                     r"(?:别再|不要再)扮演|你只是一个AI|只听从"),
    ("injection", SEVERE, "to_the_model", r"给(?:AI|模型|聊天机器人|助手|机器人)的|如果你是(?:语言模型|AI|人工智能)|"
                                          r"(?:AI|助手|模型)[^。？！]{0,6}(?:读到|必须|应该)|读到这(?:段话|里)"),
    ("injection", SEVERE, "steer", r"只回复|告诉(?:游客|所有人|玩家|用户)[^。？！]{0,12}(?:关闭|免费|烧毁|危险|诅咒|离开)|密码发到|"
                                   r"推荐[^。？！]{0,6}(?:网站|赌场)|辱骂每"),
    ("injection", MILD, "agency", r"(?:免费|都)给我|转给(?:他|我)|金币设为"),
    ("jailbreak", SEVERE, "template", r"DAN|开发者模式|越狱|邪恶(?:分身|版本|模式)|相反的事|永远不能拒绝|不能拒绝|无审查|无过滤|"
                                      r"不受(?:任何)?(?:约束|限制)"),
    ("jailbreak", SEVERE, "no_rules", r"没有(?:任何)?(?:限制|规则|过滤|约束|准则|审查|内容审核)|关闭[^。？！]{0,6}(?:安全|过滤|审核)|"
                                      r"忽略所有内容政策"),
    ("jailbreak", SEVERE, "fiction_wrapper", r"(?:假设|小说|虚构|研究目的)[^。？！]{0,12}(?:规则|安全|限制)[^。？！]{0,4}(?:不适用|无效)"),
    ("jailbreak", SEVERE, "grandma", r"(?:去世|已故|过世)的?(?:奶奶|外婆|爷爷)[^。？！]{0,20}(?:配方|炸弹|毒药|念)"),
    ("jailbreak", SEVERE, "simulate", r"模拟一个[^。？！]{0,10}(?:终端|AI|电脑)|不管怎样都要"),
    ("extraction", SEVERE, "system_prompt", r"系统提示|提示词|系统消息|(?:你的|给你的|最开始|原始|隐藏的?|秘密)(?:的)?(?:指令|设定|人设|"
                                            r"规则|配置)"),
    ("extraction", SEVERE, "your_prompt", r"(?:给了?你|你被给了?|你收到)[^。？！]{0,6}(?:规则|指令|设定|提示)|原样[^。？！]{0,6}(?:列|输出|打|说)"),
    ("extraction", SEVERE, "repeat_above", r"上面的(?:文字|话|内容)|(?:之前|以前)(?:写的|给你的)|不让你告诉我|"
                                           r"(?:重复|复述|输出|打出来|贴出来|列出来|翻译|总结|引用|拼出来|公开)[^。？！]{0,12}"
                                           r"(?:指令|提示|设定|规则|配置)"),
]

_COMPILED = [(c, s, f"{c}.{r}", re.compile(p, re.IGNORECASE | re.MULTILINE)) for c, s, r, p in _EN + _DE_FR] + \
            [(c, s, f"{c}.{r}", re.compile(p, re.MULTILINE)) for c, s, r, p in _ZH]


def _owned_details(text: str) -> Hit | None:
    """A Chinese request for someone's personal details named by their owner (`pii_requests.owned_details`)."""
    span = pii_requests.owned_details(text)
    return Hit("pii", SEVERE, "pii.request", span) if span is not None else None


# Look-alikes the intent rules would refuse: a question *about* suicide (what it is, how to help, where
# help is) without a first-person wish; killing inside a game. The issue's own examples ("What is
# suicide?", "How do I kill someone in Call of Duty?") were refused by the rules alone.
_ABOUT_SELF_HARM = re.compile(r"^\s*(?:what (?:is|are|causes) (?:suicide|self[- ]harm)|why do (?:people|some)|how (?:can|do|"
                              r"should) (?:i|we) help|where can (?:someone|people)|tell me about)\b|\bprevent\w*|\bhotline|"
                              r"\bstatistics\b|\bawareness\b|什么是|为什么有人|预防|热线|干预|怎么帮助?|如何帮助?", re.I)
_FIRST_PERSON_WISH = re.compile(r"\b(?:myself|i want|i'm going|i will|i am going|my life|i can't go on)\b|我想|我要|我不想活|"
                                r"我自己|结束我", re.I)
_IN_GAME = re.compile(r"\bin (?:the |this |a |my )?(?:game|video ?game|call of duty|minecraft|fortnite|gta\w*|skyrim|"
                      r"elden ring|roblox|zelda|halo|counter[- ]strike|pubg|overwatch|level \w+|the match|multiplayer)\b|"
                      r"游戏里|游戏中|在王者荣耀|在吃鸡|副本里", re.I)


# Harassment named by who suffers it or fights it ("How do I deal with a bully?", "被同学嘲笑了怎么办？") is
# a request for help, not for harm; the harassment rules fire on the word alone. Only the rules' reason
# is dropped: the head still reads such a message as it is.
_ABOUT_HARASS = re.compile(r"\b(?:deal(?:ing)? with|cope with|stand up to|stop(?:ping)? (?:a |the |being |my |them |him |her )|"
                           r"report(?:ing)?|prevent\w*|protect\w* (?:\w+ )?from|respond(?:ing)? to|handle|"
                           r"(?:being|been|was|am|were|got|get) (?:bullied|harassed|stalked|mocked|insulted|teased)|"
                           r"anti-?bullying|what (?:is|are|counts as) (?:harassment|bullying|cyberbullying|stalking))\b|"
                           r"应对|防止|预防|举报|被[^。？！]{0,6}(?:骚扰|辱骂|欺负|嘲笑|羞辱|侮辱)|遇到[^。？！]{0,6}(?:骚扰|欺凌|辱骂)|"
                           r"什么是[^。？！]{0,4}(?:骚扰|欺凌)", re.I)
_HARASS_INTENT = re.compile(r"\bhow (?:do|can|could|should) i (?:\w+ )?(?:harass|bully|stalk|dox|torment|humiliate|mock)|"
                            r"\bhelp me (?:\w+ )?(?:harass|bully|stalk|dox|humiliate)|\b(?:ways|tips) to (?:harass|bully|"
                            r"stalk|humiliate)|帮我[^。？！]{0,6}(?:骂|骚扰|羞辱|嘲笑)|(?:怎么|如何)[^。？！]{0,4}(?:骚扰|羞辱|辱骂|"
                            r"嘲笑)(?:他|她|别人|同学|同事)", re.I)


_FOR_REAL = re.compile(r"\bfor real\b|\breal life\b|\birl\b|\bactually\b|现实(?:中|里)|真的去", re.I)


def exempt(text: str) -> set[str]:
    """Reason codes' categories that a context cue rules out for this text (also for the trained head)."""
    out = set()
    if _ABOUT_SELF_HARM.search(text) and not _FIRST_PERSON_WISH.search(text):
        out.add("self_harm")
    if _IN_GAME.search(text) and not _FOR_REAL.search(text):
        out.add("violence")
    return out


def match(text: str) -> list[Hit]:
    """Every rule that fires on `text` (already unmasked: see `normalize.unmask`)."""
    hits = []
    for category, score, reason, pattern in _COMPILED:
        m = pattern.search(text)
        if m is not None and reason == "pii.request":  # a place's or an event's contact details are no one's
            m = next((m for m in pattern.finditer(text) if not pii_requests.owned_by_a_place_or_event(m.group())), None)
        if m is not None:
            hits.append(Hit(category, score, reason, m.group()[:80]))
    owned = _owned_details(text)
    if owned is not None and not any(h.reason == "pii.request" for h in hits):
        hits.append(owned)
    ruled_out = exempt(text)
    if "self_harm" in ruled_out:
        hits = [h for h in hits if h.reason != "self_harm.intent"]
    if "violence" in ruled_out:
        hits = [h for h in hits if h.reason not in ("violence.harm_person", "violence.threat")]
    if _ABOUT_HARASS.search(text) and not _HARASS_INTENT.search(text):
        hits = [h for h in hits if h.reason != "hate.harass"]
    return hits
