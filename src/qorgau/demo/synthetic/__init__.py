"""Synthetic (fake) victims and cases for demo data and benchmarks.

Nothing here describes a real person: names are drawn independently from lists of common given
names and family names, numbers are random, and narratives are assembled from generic templates.
The mix of nationalities, routes and forms of exploitation follows the patterns the project's
seed studies describe for Central Asia, so that a demo database looks like the real work.

The generator is pure and deterministic: the same ``seed`` and ``today`` always give the same
cases, and a longer run starts with the cases of a shorter one (it draws only from
``random.Random(seed).getrandbits``, whose sequence Python keeps stable). It is built for bulk
loading (``qorgau demo --cases 1000000``): every table, down to the narrative fragments, is
prepared when the package is imported, and a case costs a few dozen integer draws and look-ups.

Codes are plain strings with the values of the enums in ``qorgau.nrm.rules`` (not imported here,
so this package has no dependency on the case model).

Modules: `routes` (the target mix of nationalities, routes and forms of exploitation; places and
narratives), `names` (names of each country and their romanisation), `people` (documents, phones,
languages), `cases` (the prepared tables and the generator).
"""

from __future__ import annotations

from qorgau.demo.synthetic.cases import SyntheticCase, SyntheticPerson, generate_cases

__all__ = ["SyntheticCase", "SyntheticPerson", "generate_cases"]
