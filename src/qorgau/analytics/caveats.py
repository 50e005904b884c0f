"""What an estimate does not tell, in words: message ids and their (translatable) sentences.

The result carries only the ids; pages, the API and the CLI say the sentence in the reader's
language (`text`)."""

from __future__ import annotations

from collections.abc import Mapping

from qorgau.analytics.fit import Fit
from qorgau.analytics.table import OverlapTable
from qorgau.i18n import N_, gettext

ASSUMPTIONS = "mse.assumptions"
EMPTY_OVERLAPS = "mse.empty_overlaps"
MODEL_INTERVAL = "mse.model_interval"
LARGE_HIDDEN = "mse.large_hidden"
SPARSE = "mse.sparse"
FULL_MODEL_UNIDENTIFIABLE = "mse.full_model_unidentifiable"
BOOTSTRAP_FAILURES = "mse.bootstrap_failures"
TWO_LISTS = "mse.two_lists"

MESSAGES: Mapping[str, str] = {
    ASSUMPTIONS: N_(
        "The estimate assumes the same people over the period (no one entering or leaving), that every "
        "person on two lists was recognised as the same person, and that the model captures how the "
        "lists depend on each other. People no list could ever reach are not counted at all."
    ),
    EMPTY_OVERLAPS: N_(
        "Some pairs of lists share no one; the model treats their overlap as impossible rather than "
        "estimating it, which is the most it can say from these data."
    ),
    MODEL_INTERVAL: N_(
        "The interval assumes the chosen model is right; it does not include the uncertainty of "
        "choosing the model, so it is too narrow. Ask for a bootstrap interval."
    ),
    LARGE_HIDDEN: N_(
        "The estimated hidden number is more than three times the number observed: it rests on few "
        "overlaps and could change a lot with a different model or a few more cases."
    ),
    SPARSE: N_(
        "Most combinations of lists have fewer than five people; estimates from sparse tables are fragile."
    ),
    FULL_MODEL_UNIDENTIFIABLE: N_(
        "No three lists all overlap with each other, so the model with every two-list interaction "
        "cannot be estimated; the chosen model leaves some dependence between lists out."
    ),
    BOOTSTRAP_FAILURES: N_("Some bootstrap resamples gave no estimate and were left out of the interval."),
    TWO_LISTS: N_(
        "With two lists the estimate must assume the lists are independent; nothing in the data can check it."
    ),
}


def text(message_id: str) -> str:
    return gettext(MESSAGES[message_id])


def caveats_for(
    table: OverlapTable,
    reported: Fit,
    interval: object,
    bootstrap: Mapping[str, float],
    overlapping_triples: int,
) -> tuple[str, ...]:
    found = [ASSUMPTIONS]
    if table.n_lists == 2:
        found.append(TWO_LISTS)
    if any(table.pair_overlap(i, j) == 0 for i in range(table.n_lists) for j in range(i + 1, table.n_lists)):
        found.append(EMPTY_OVERLAPS)
    if table.n_lists >= 3 and overlapping_triples == 0:
        found.append(FULL_MODEL_UNIDENTIFIABLE)
    if int((table.counts < 5).sum()) > len(table.counts) / 2:
        found.append(SPARSE)
    if reported.hidden > 3 * table.observed:
        found.append(LARGE_HIDDEN)
    if getattr(interval, "kind", None) == "model":
        found.append(MODEL_INTERVAL)
    if bootstrap.get("failed", 0) > 0:
        found.append(BOOTSTRAP_FAILURES)
    return tuple(found)
