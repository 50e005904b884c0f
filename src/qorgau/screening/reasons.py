"""The sentences of a screening's rationale, by message id. A ruleset's outcome rules name them;
stored screenings keep the ids, so an id, once published, keeps its meaning (a new wording for a
new version is a new id)."""

from __future__ import annotations

from qorgau.i18n import N_

# The rationale is stored as message ids and parameters and translated where it is shown, so a
# screening reads in the language of whoever opens it. Parameters are indicator codes and counts;
# the page shows the codes' labels. The ruleset may use only these ids (the loader checks).
REASON_MESSAGES: dict[str, str] = {
    "palermo_adult": N_(
        "An act, a means and a purpose of exploitation are all present (%(indicators)s): the three "
        "elements of trafficking in an adult (Palermo Protocol, art. 3(a))."
    ),
    "palermo_child": N_(
        "A child, with an act and a purpose of exploitation (%(indicators)s). For a child the means do "
        "not matter (Palermo Protocol, art. 3(c)): refer to child protection now."
    ),
    "palermo_two_elements": N_(
        "Two of the three elements of trafficking are present (%(indicators)s); ask about the third "
        "before deciding."
    ),
    "child_exploitation": N_(
        "A child, with signs of exploitation (%(indicators)s). Ask who recruited, moved, housed or "
        "received the child: with any of these the child is a victim of trafficking."
    ),
    "delphi_victim": N_(
        "The ILO/European Commission operational indicators (%(indicators)s) show recruitment by "
        "deception, coercion or abuse of vulnerability, exploitation, and coercion or abuse of "
        "vulnerability at destination: the published combination for a victim of trafficking."
    ),
    "delphi_child_victim": N_(
        "The ILO/European Commission operational indicators for children (%(indicators)s) show the "
        "published combination for a victim of trafficking: refer to child protection now."
    ),
    "ilo_forced_labour": N_(
        "%(count)s of the ILO's 11 indicators of forced labour are present (%(indicators)s): signs of "
        "forced labour, which is itself a purpose of trafficking."
    ),
    "kz_potential_victim": N_(
        "Factors of vulnerability under Kazakhstan's law on countering human trafficking (2024) are "
        "present (%(indicators)s): the person is a potential victim and may apply to be identified."
    ),
    "insufficient_indicators": N_(
        "The indicators recorded do not reach any rule of this ruleset. One indicator proves nothing "
        "either way: keep listening, and screen again if more comes to light."
    ),
    "means_not_required": N_(
        "For a child the means do not matter (Palermo Protocol, art. 3(c)): the means recorded "
        "(%(indicators)s) stay as evidence but do not change the outcome. What counts is what was done "
        "with the child, and for what purpose."
    ),
    "not_applicable": N_(
        "Not counted, as they do not apply to this person's age group or to this country: %(indicators)s."
    ),
    "age_unknown": N_(
        "Age unknown, so assessed as an adult. If there is any reason to believe the person is a child, "
        "record an estimated age or mark them as a child: in doubt, a child is presumed one."
    ),
    # From ruleset 2026.2 on.
    "palermo_indicated": N_(
        "There are indications of two of the three elements of trafficking (%(indicators)s): "
        "reasonable grounds to believe the person is a victim, with the benefit of the doubt (Council "
        "of Europe Anti-Trafficking Convention, art. 10(2)). Ask about the rest before deciding "
        "whether the person is likely a victim."
    ),
    "forced_purpose": N_(
        "A purpose that is forced by definition (%(indicators)s): work or service exacted under the "
        "menace of a penalty and not offered voluntarily is forced labour (ILO Forced Labour "
        "Convention, art. 2(1)), so the person is at least a potential victim. Ask who recruited, "
        "moved, housed or received the person, and how they are held."
    ),
    "ilo_indicator": N_(
        "%(count)s of the ILO's 11 indicators of forced labour (%(indicators)s). The ILO says that one "
        "indicator may in some cases imply forced labour: the person is a potential victim. Ask about "
        "the others."
    ),
    "ilo_forced_labour_likely": N_(
        "%(count)s of the ILO's 11 indicators of forced labour are present (%(indicators)s): likely "
        "forced labour, which is itself a purpose of trafficking."
    ),
    "ilo_forced_labour_child": N_(
        "A child, with %(count)s of the ILO's indicators of forced labour (%(indicators)s). Forced labour "
        "of a child is one of the worst forms of child labour (ILO Convention No. 182, art. 3(a)): refer "
        "to child protection now."
    ),
    "delphi_combination": N_(
        "The ILO/European Commission operational indicators (%(indicators)s) make positive a recruitment "
        "dimension, the exploitation dimension and a dimension of coercion or abuse of vulnerability at "
        "destination: this ruleset's rule for a likely victim (its weights and combination are still to "
        "be confirmed against the ILO/EC brochure)."
    ),
    "delphi_child_combination": N_(
        "The ILO/European Commission operational indicators (%(indicators)s) make positive a recruitment "
        "dimension, the exploitation dimension and a dimension of coercion or abuse of vulnerability at "
        "destination, for a child: refer to child protection now (weights and combination still to be "
        "confirmed against the ILO/EC brochure)."
    ),
    "child_indicated": N_(
        "A child, with indications of an act and of a purpose of exploitation (%(indicators)s). For a "
        "child the means do not matter (Palermo Protocol, art. 3(c)) and the referral must not wait: "
        "refer to child protection now."
    ),
    "officer_grounds": N_(
        "The officer recorded other reasonable grounds to believe the person is a victim, with a "
        "written reason: a potential victim, with the benefit of the doubt (Council of Europe "
        "Anti-Trafficking Convention, art. 10(2))."
    ),
    "kz_factors_stage": N_(
        "Factors of vulnerability named by Kazakhstan's Law No. 110-VIII are present (%(indicators)s): "
        "the case goes to the referral mechanism's potential-victim stage."
    ),
    "kz_statutory_status": N_(
        "Under Kazakhstan's Law No. 110-VIII the person is also a potential victim of trafficking in "
        "human beings (%(indicators)s): a status in that law, with its own rights, not a stage of the "
        "case. The person may apply to be identified as a victim."
    ),
    "child_presumed": N_(
        "Age unknown and the person not judged an adult: assessed as a child, as in doubt a child is "
        "presumed one (UNICEF Guidelines on the Protection of Child Victims of Trafficking; Council of "
        "Europe Anti-Trafficking Convention, art. 10(3)). Record an age, or the officer's judgement, as "
        "soon as it is known."
    ),
    "adult_lists_for_child": N_(
        "Indicators from the adults' lists are counted for this child as well (%(indicators)s)."
    ),
}
