"""Weighted cue patterns per intent, written against ``NormalizedReply.words``.

Each cue is a regular expression over the normalized words (lower case, no accents, no
apostrophes: "don't" is "dont", "mañana" is "manana"). Its weight says how strongly it alone
indicates the intent; the classifier takes, per intent, the strongest cue that matched. Weights sit
in bands so precedence reads at a glance:

* 0.96–0.98 legal holds and cease notices — they stop everything and go to a human;
* 0.95 explicit opt-out requests ("stop texting me");
* 0.85–0.90 specific business intents (wrong number, dispute, already paid, plan, promise);
* 0.75–0.82 softer ones (hardship, callback, balance, opt-in, help);
* 0.70 a bare imperative "stop" — enough to beat ``other`` (safety first), not enough to beat a
  real intent.

Cue patterns never see the original text, so "I'll stop by Friday" can be guarded simply by the
bare-stop rule in ``bare_stop_cue``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.replies.model import Intent


@dataclass(frozen=True, slots=True)
class Cue:
    """A named pattern that points at one intent with a weight in [0, 1]."""

    name: str
    intent: Intent
    weight: float
    pattern: re.Pattern[str]


def _cue(intent: Intent, weight: float, name: str, pattern: str) -> Cue:
    return Cue(name=name, intent=intent, weight=weight, pattern=re.compile(pattern))


_MEDIUM = (
    r"(text|texts|texting|message|messages|messaging|sms|e ?mails?|e ?mailing|calls|calling|sending|spamming|spam)"
)
_MEDIUM_ES = r"(mensajes?|textos?|correos?|llamadas?|sms|emails?)"
_W = r"(?: \w+)"  # one more word

CUES: tuple[Cue, ...] = (
    # --- bankruptcy, deceased, attorney, cease -------------------------------------------------
    _cue(Intent.BANKRUPTCY, 0.98, "bankruptcy", r"\bbankrupt\w*|\bbancarrota\b|\bquiebra\b"),
    _cue(Intent.BANKRUPTCY, 0.98, "chapter_7_13", r"\bchapter (7|11|13|seven|thirteen)\b"),
    _cue(Intent.BANKRUPTCY, 0.9, "bk_filed", r"\b(bk (filed|case)|filed bk)\b"),
    _cue(Intent.DECEASED, 0.97, "passed_away", r"\bpassed away\b|\bdeceased\b|\bfalleci\w*|\bdifunt[oa]\b"),
    _cue(Intent.DECEASED, 0.97, "died", r"\b(died|murio|muerto|muerta)\b"),
    _cue(Intent.DECEASED, 0.95, "is_dead", r"\b(shes|hes|is|are) dead\b"),
    _cue(Intent.DECEASED, 0.95, "he_passed", r"\b(he|she|they)( has| had)? passed\b(?! the)"),
    _cue(
        Intent.ATTORNEY, 0.96, "my_lawyer", r"\b(my|our|mi|su) (lawyer|attorney|abogad[oa]|counsel|legal counsel)s?\b"
    ),
    _cue(Intent.ATTORNEY, 0.96, "represented", r"\brepresented by\b|\besq\b"),
    _cue(
        Intent.ATTORNEY,
        0.96,
        "have_lawyer",
        r"\b(retained|hired|have|got|getting|get|tengo|contrate)( a| an| un| una)? (lawyer|attorney|abogad[oa])\b",
    ),
    _cue(
        Intent.CEASE_COMMUNICATION,
        0.97,
        "stop_contacting",
        rf"\b(stop|quit|cease|dont|do not|never|no)( all)?{_W}{{0,2}} (contact\w*|communicat\w*|harass\w*|bother\w*)",
    ),
    _cue(Intent.CEASE_COMMUNICATION, 0.97, "leave_me_alone", r"\bleave (me|us) alone\b|\bcease and desist\b"),
    _cue(
        Intent.CEASE_COMMUNICATION,
        0.97,
        "spanish_leave_alone",
        r"\bdejen?me en paz\b|\bdejen? de (molestar|contactar|acosar)\w*|\bno me (contacten|molesten|busquen)\b"
        r"|\bno (me )?(vuelvan?|vuelva) a (contactar|molestar|buscar)\w*",
    ),
    _cue(
        Intent.CEASE_COMMUNICATION,
        0.97,
        "refuses_to_pay",
        r"\b(wont|will not|refuse to|am not going to|im not going to|im not gonna|im not|am not|aint|not gonna) "
        r"pay(ing)?\b(?! (it )?(all|until|in full))",
    ),
    _cue(
        Intent.CEASE_COMMUNICATION, 0.97, "spanish_refuses", r"\b(no (le )?(voy|pienso) a? ?pagar|me niego a pagar)\b"
    ),
    # --- opt-out in free text ------------------------------------------------------------------
    _cue(Intent.OPT_OUT, 0.95, "stop_medium", rf"\b(stop|quit|cease|cancel|end|enough)\b{_W}{{0,3}} {_MEDIUM}\b"),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "dont_text",
        r"\b(dont|do not|never|no longer)( ever)? (text|message|call|email|sms)\b",
    ),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "dont_want_texts",
        rf"\b(dont|do not|no longer) (want|wish|need)( to)?( get| receive| any)?{_W}{{0,2}} {_MEDIUM}",
    ),
    _cue(Intent.OPT_OUT, 0.95, "no_more_texts", rf"\bno more {_MEDIUM}\b"),
    _cue(Intent.OPT_OUT, 0.95, "opt_out", r"\bopt ?out\b|\bunsubscribe\b"),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "remove_from_list",
        rf"\b(remove|take)( me| my number| my email| this number)( off| from){_W}{{0,2}} (list|lists)\b"
        r"|\bremove (this|my) (number|phone|email)\b",
    ),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "spanish_dont_send",
        r"\bno (me )?(manden|mande|envien|envie|escriban|escribas|textees|textee|llamen|llame)\b",
    ),
    _cue(Intent.OPT_OUT, 0.95, "spanish_stop_doing", r"\bdejen? de (escribir|mandar|enviar|llamar|textear)\w*"),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "spanish_dont_again",
        r"\bno (me )?(vuelvan?|vuelva) a (escribir|mandar|enviar|llamar|textear)\w*",
    ),
    _cue(
        Intent.OPT_OUT,
        0.95,
        "spanish_dont_want",
        rf"\bno (quiero|deseo) (recibir|mas){_W}{{0,2}} {_MEDIUM_ES}",
    ),
    _cue(Intent.OPT_OUT, 0.95, "spanish_no_more", rf"\b(no|ya no) mas {_MEDIUM_ES}\b|\bdar(me|se)? de baja\b"),
    # --- the business intents ------------------------------------------------------------------
    _cue(Intent.WRONG_NUMBER, 0.9, "wrong_number", r"\bwrong (number|person|phone|guy|girl|lady)\b"),
    _cue(
        Intent.WRONG_NUMBER,
        0.9,
        "no_one_by_that_name",
        r"\b(no ?one|nobody|no body)( here)? (by|named|with|called)\b"
        r"|\bno es el numero de\b|\bno (soy|es) \w+ equivocad",
    ),
    _cue(
        Intent.WRONG_NUMBER,
        0.9,
        "dont_know_person",
        r"\b(dont|do not) know (anyone|anybody|any|him|her|them|who|that person|this person)\b",
    ),
    _cue(Intent.WRONG_NUMBER, 0.88, "im_not_name", r"^(im|i am) not (?!paying|going|able|sure|interested)[a-z]+$"),
    _cue(Intent.WRONG_NUMBER, 0.88, "not_their_phone", r"\bnot \w+s (phone|number|cell)\b|\b(got|have) this number\b"),
    _cue(
        Intent.WRONG_NUMBER,
        0.88,
        "number_doesnt_belong",
        r"\b(number|phone) (doesnt|does not|no longer) belongs?\b|\bthere s no \w+ here\b|\btheres no \w+ here\b",
    ),
    _cue(Intent.WRONG_NUMBER, 0.85, "not_me", r"^not me\b"),
    _cue(
        Intent.WRONG_NUMBER,
        0.9,
        "spanish_wrong_number",
        r"\bnumero equivocado\b|\bequivocaron de (numero|persona)\b|\bno conozco a\b|\baqui no vive\b",
    ),
    _cue(
        Intent.DISPUTE,
        0.88,
        "not_my_debt",
        r"\b(not|isnt|aint|wasnt) (my|mine)\b( (debt|account|loan|card|bill|bills))?(?! (fault|problem))",
    ),
    _cue(Intent.DISPUTE, 0.88, "dont_owe", r"\b(dont|do not|never) owed?\b|\bwho says i owe\b"),
    _cue(Intent.DISPUTE, 0.88, "never_had", r"\bnever (had|opened|signed|took|applied)\b"),
    _cue(Intent.DISPUTE, 0.9, "dispute", r"\bdisput\w*|\bvalidat\w*|\bverif\w*( \w+){0,2} (debt|deuda)\b|\bproof\b"),
    _cue(Intent.DISPUTE, 0.88, "fraud", r"\bfraud\w*|\bidentity theft\b|\bstatute of limitations\b"),
    _cue(Intent.DISPUTE, 0.88, "dont_recognize", r"\b(dont|do not) recognize\b|\bno reconozco\b"),
    _cue(
        Intent.DISPUTE,
        0.86,
        "amount_wrong",
        r"\b(amount|balance|fees?|charges?) (is |are )?(wrong|not correct|incorrect)\b|\b(a mistake|an error)\b",
    ),
    _cue(
        Intent.DISPUTE,
        0.88,
        "spanish_not_mine",
        r"\bno es mi[ao]\b|\bno es mi (deuda|cuenta|prestamo|tarjeta)\b"
        r"|\bno debo\b|\bnunca (saque|pedi|firme|tuve)\b|\bprueba\b|\bfraude\b",
    ),
    _cue(
        Intent.ALREADY_PAID,
        0.88,
        "already_paid",
        r"\balready (paid|payed|sent|made|took care|settled|deposited)\b|\b(paid|payed|sent)\b.*\balready\b",
    ),
    _cue(Intent.ALREADY_PAID, 0.86, "i_paid", r"\b(i|we) (paid|payed)\b|^paid\b|\bpaid (it|this|that|in full|off)\b"),
    _cue(Intent.ALREADY_PAID, 0.86, "was_paid", r"\b(was|been|is) (paid|settled)\b(?! (on|every))"),
    _cue(
        Intent.ALREADY_PAID,
        0.86,
        "payment_made",
        r"\b(made|sent|submitted) (the|a|my) payment\b|\bpayment (went through|was made|posted)\b",
    ),
    _cue(
        Intent.ALREADY_PAID, 0.86, "check_cashed", r"\bcheck(s| has)?( already)?( been)? cashed\b|\bsettled (this|it)\b"
    ),
    _cue(
        Intent.ALREADY_PAID,
        0.88,
        "spanish_paid",
        r"\bya (lo |la |le )?(pague|page|deposite|pagamos|liquide)\b|\besta pagad[oa]\b|\bpague el\b",
    ),
    _cue(Intent.PAYMENT_PLAN_REQUEST, 0.87, "payment_plan", r"\b(payment|monthly|installment) (plan|plans|option)\b"),
    _cue(
        Intent.PAYMENT_PLAN_REQUEST,
        0.87,
        "installments",
        r"\binstall?ments?\b|\bsmaller payments\b|\bwork out a plan\b",
    ),
    _cue(
        Intent.PAYMENT_PLAN_REQUEST,
        0.87,
        "make_payments",
        r"(?<!cant )(?<!cannot )(?<!not )\b(make|do|set up|setup|making)"
        r"( \w+)?( monthly| weekly| small| smaller)? payments\b",
    ),
    _cue(
        Intent.PAYMENT_PLAN_REQUEST,
        0.87,
        "per_period",
        r"\b\d+( dollars| bucks| dolares| euros| pounds| libras)? (a|per|each|every)"
        r" (month|week|two weeks|2 weeks|paycheck|payday)\b"
        r"|\bevery (two weeks|2 weeks|other week|month|week|paycheck|payday)\b|\bmonthly\b",
    ),
    _cue(Intent.PAYMENT_PLAN_REQUEST, 0.87, "split", r"\b(split|break) (it|this|that)\b|\bhalf now\b"),
    _cue(
        Intent.PAYMENT_PLAN_REQUEST,
        0.87,
        "over_time",
        r"\bover time\b|\b(payment )?arrangements?\b|\bpoco a poco\b|\ba plazos\b|\bpagos? (mensuales|semanales)\b",
    ),
    _cue(
        Intent.PAYMENT_PLAN_REQUEST,
        0.87,
        "spanish_plan",
        r"\bplan de pagos?\b|\bmensual\w*|\b(put|get|set) me (up )?on a( payment)? plan\b"
        r"|\ben (partes|cuotas|abonos|pagos)\b|\bhacer abonos\b|\bcada (quincena|mes|semana)\b"
        r"|\b(al|por) mes\b|\bmensualidades\b",
    ),
    _cue(
        Intent.PROMISE_TO_PAY,
        0.85,
        "will_pay",
        rf"\b(ill|i will|will|i can|can|gonna|going to|i could|let me|we can|we will|i should)\b{_W}{{0,5}}? "
        r"(pay|send|mail|deposit|make(?: \w+){0,2} payment|do \d+|do \w+ dollars)\b",
    ),
    _cue(Intent.PROMISE_TO_PAY, 0.85, "will_have_amount", r"\b(ill|i will|will) have (\d|the money|it|the payment)"),
    _cue(Intent.PROMISE_TO_PAY, 0.85, "get_it_paid", r"\b(ill|i will|will|can|gonna) (get|have) (it|this|that) paid\b"),
    _cue(Intent.PROMISE_TO_PAY, 0.85, "will_be_paying", r"\b(ill|i will|will|im) be (making|sending|paying|mailing)\b"),
    _cue(Intent.PROMISE_TO_PAY, 0.85, "stop_by_to_pay", r"\bstop by\b.* (to )?(pay|make a payment)\b"),
    _cue(Intent.PROMISE_TO_PAY, 0.8, "paying_soon", r"\bpaying (today|tomorrow|tonight|this|next|on)\b|\bif i pay\b"),
    _cue(
        Intent.PROMISE_TO_PAY,
        0.85,
        "spanish_will_pay",
        r"(?<!no )(?<!no le )(?<!no te )\b(le |te |lo |se lo )?(pago|pagare|pagaria|voy a pagar|puedo pagar|puedo dar"
        r"|puedo abonar|deposito|mando"
        r"|envio|abono|le deposito)\b",
    ),
    _cue(
        Intent.HARDSHIP,
        0.8,
        "lost_job",
        r"\blost (my|his|her|our) (job|work|income)\b|\bout of work\b|\bmedical bills\b"
        r"|\blaid off\b|\bunemploy\w*|\bno income\b|\bhours (got )?cut\b",
    ),
    _cue(Intent.HARDSHIP, 0.8, "cant_afford", r"\b(cant|can not|cannot|unable to|not able to) (afford|pay)\b"),
    _cue(
        Intent.HARDSHIP,
        0.8,
        "hard_times",
        r"\bbroke\b|\bdisability\b|\bhospital\b|\bmoney is( really| very| so)? tight\b|\bdivorce\b|\bgot hurt\b"
        r"|\bdont have (it|the money|money|any money)\b|\bcant deal\b",
    ),
    _cue(
        Intent.HARDSHIP,
        0.8,
        "spanish_hardship",
        r"\bsin trabajo\b|\bperdi (mi|el) (trabajo|empleo)\b|\bno tengo (dinero|con que|trabajo)\b|\bno puedo pagar\b"
        r"|\benferm[oa]\b|\bmal de dinero\b",
    ),
    _cue(
        Intent.CALLBACK_REQUEST,
        0.82,
        "call_me",
        r"\b(call|phone|ring) (me|us)\b(?! again)|\bgive me a call\b|\bcall back\b",
    ),
    _cue(
        Intent.CALLBACK_REQUEST,
        0.82,
        "talk_to_person",
        r"\b(speak|talk) (to|with) (a|an|someone|somebody|a real|your|the)\b|\brepresentative\b|\bby phone\b",
    ),
    _cue(
        Intent.CALLBACK_REQUEST,
        0.82,
        "spanish_call_me",
        r"\bllam[aeo]n?me\b|\bllamen\b|\bllamarme\b|\bme (puede|pueden|podrian|podria) llamar\b"
        r"|\bhablar con (alguien|una|un)\b",
    ),
    _cue(
        Intent.BALANCE_INQUIRY,
        0.8,
        "how_much",
        r"\bhow much (do|i|is|to|left|does|did|will)\b"
        r"|\b(whats|what is|what s) (my|the) (balance|total|payoff|amount)\b",
    ),
    _cue(
        Intent.BALANCE_INQUIRY,
        0.8,
        "balance",
        r"\b(current|my) balance\b|\bpayoff\b|\bwhat do i owe\b|\btotal i owe\b|\b(whats|what is) this for\b",
    ),
    _cue(
        Intent.BALANCE_INQUIRY,
        0.8,
        "spanish_balance",
        r"\bcuanto (le |les )?(debo|es|tengo|falta)\b|\bsaldo\b|\bde que es (esta|la|esa) deuda\b",
    ),
    _cue(
        Intent.OPT_IN,
        0.8,
        "text_me_again",
        r"\b(can|may|please) (text|message|email) (me|us) again\b|\bresume (texts|messages|texting)\b"
        rf"|\bopt (me )?(back )?in\b|\b(get|receive){_W}{{0,2}} (texts|messages|reminders) again\b"
        r"|\bvolver a (mandar|enviar|recibir)\w*|\breanudar\b",
    ),
    _cue(
        Intent.HELP,
        0.75,
        "who_is_this",
        r"\bwho (is this|dis|are you|you are)\b"
        r"|\bwho(s| is) (texting|messaging|calling|emailing)\b|\bquien (es|eres|habla)\b"
        r"|\bwhat (company|business) is this\b"
        r"|\bwhat is this$|\bwhats this$"
        r"|\b(what is|whats) this (regarding|about|in reference to)\b|\bis this (a )?scam\b|\bestafa\b|\bque es esto\b",
    ),
    _cue(Intent.HELP, 0.6, "help_word", r"\bhelp\b|\bayuda\b"),
)


STOP_WORDS = frozenset({"stop", "alto", "parar", "paren", "basta"})
# "stop by", "stop the late fees", "stop paying", "stop worrying" are not opt-outs.
NOT_OPT_OUT_AFTER_STOP = frozenset(
    {
        "by", "in", "at", "over", "the", "my", "our", "your", "a", "paying", "payment", "payments", "autopay",
        "auto", "interest", "fees", "fee", "charges", "late", "worrying", "going", "working", "de",
    }
)  # fmt: skip
# "the calls will stop", "when does it stop", "I can't stop": the word is not an imperative.
NOT_OPT_OUT_BEFORE_STOP = frozenset(
    {"will", "would", "calls", "texts", "messages", "it", "this", "fees", "charges", "cant", "didnt", "doesnt", "to"}
)


def bare_stop_cue(clauses: tuple[tuple[str, ...], ...]) -> Cue | None:
    """An imperative "stop" anywhere ("please stop", "stop it", "I said STOP"), guarded by its clause."""
    return BARE_STOP if any(_imperative_stop_in(tokens) for tokens in clauses) else None


def _imperative_stop_in(tokens: tuple[str, ...]) -> bool:
    for index, token in enumerate(tokens):
        if token not in STOP_WORDS:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        preceding = tokens[index - 1] if index > 0 else ""
        if following in NOT_OPT_OUT_AFTER_STOP or preceding in NOT_OPT_OUT_BEFORE_STOP:
            continue
        if following.endswith("ing") and following not in CONTACT_GERUNDS:  # "stop charging me interest"
            continue
        return True
    return False


CONTACT_GERUNDS = frozenset(
    {"texting", "messaging", "calling", "emailing", "sending", "contacting", "bothering", "harassing", "spamming"}
)
BARE_STOP = Cue(name="bare_stop", intent=Intent.OPT_OUT, weight=0.7, pattern=re.compile(r"\bstop\b"))
