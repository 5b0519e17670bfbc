#!/usr/bin/env python3
"""Builds tests/fixtures/rf2: a tiny RF2-shaped SNOMED CT snapshot made from real GPS rows.

Concept ids and fully specified names are copied from the SNOMED CT Global Patient Set
(../shared/terminology/snomed-gps-2020.valueset.json, CC BY 4.0); the script refuses to run if
any of them is missing there or fails the Verhoeff check of ../shared/tools/verhoeff.py.
Everything else (description and relationship ids, effective times, which rows are inactive,
synonym terms) is made up to give the importer the shapes it must handle; see the README it writes.

Usage: python3 tools/make-rf2-fixture.py [shared-dir]   (default: $SAMSVAR_SHARED or ../shared)
"""
import importlib.util
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "rf2", "SnomedCT_Fixture", "Snapshot", "Terminology")

# Module and release date: taken from the GPS include version
# http://snomed.info/sct/900000000000207008/version/20200731.
GPS_VERSION_RE = re.compile(r"^http://snomed\.info/sct/(\d+)/version/(\d{8})$")
OLD_TIME = "20020131"  # an older effectiveTime for some rows, so the importer must take the max

# RF2 metadata concept ids (not all are GPS concepts; each passes verhoeff.py):
FSN = "900000000000003001"        # Fully specified name (in the GPS)
SYNONYM = "900000000000013009"    # Synonym (in the GPS)
IS_A = "116680003"                # Is a (attribute)
FINDING_SITE = "363698007"        # Finding site (attribute) (in the GPS)
PRIMITIVE = "900000000000074008"  # definitionStatusId: primitive
CASE_INSENSITIVE = "900000000000448009"
INFERRED = "900000000000011006"   # characteristicTypeId: inferred relationship
EXISTENTIAL = "900000000000451002"  # modifierId: existential restriction

# (conceptId, active) — every id is a GPS concept.
CONCEPTS = [
    ("64572001", 1),   # Disease (disorder)
    ("7393007", 1),    # Disorder of nasal sinus (disorder)
    ("36971009", 1),   # Sinusitis (disorder)
    ("40055000", 1),   # Chronic sinusitis (disorder)
    ("195790000", 1),  # Pansinusitis (disorder)
    ("88850006", 1),   # Chronic pansinusitis (disorder)
    ("15805002", 1),   # Acute sinusitis (disorder)
    ("32398004", 1),   # Bronchitis (disorder)
    ("63480004", 1),   # Chronic bronchitis (disorder)
    ("2095001", 1),    # Nasal sinus structure (body structure)
    ("22253000", 1),   # Pain (finding)
    ("49727002", 1),   # Cough (finding)
    ("27624003", 0),   # Chronic disease (disorder) — inactivated HERE ONLY, to test filtering
]

# (sourceId, destinationId, typeId, active). Is-a links are subsumptions read off the FSNs
# (the child's FSN names a kind of the parent's); they are true of the meanings but are not
# copied from an RF2 release and need not be *direct* parents in the International Edition.
RELATIONSHIPS = [
    ("7393007", "64572001", IS_A, 1),     # disorder of nasal sinus is a disease
    ("36971009", "7393007", IS_A, 1),     # sinusitis is a disorder of nasal sinus
    ("40055000", "36971009", IS_A, 1),    # chronic sinusitis is a sinusitis
    ("195790000", "36971009", IS_A, 1),   # pansinusitis is a sinusitis
    ("88850006", "40055000", IS_A, 1),    # chronic pansinusitis is a chronic sinusitis ...
    ("88850006", "195790000", IS_A, 1),   # ... and a pansinusitis (two parents)
    ("15805002", "36971009", IS_A, 1),    # acute sinusitis is a sinusitis
    ("32398004", "64572001", IS_A, 1),    # bronchitis is a disease
    ("63480004", "32398004", IS_A, 1),    # chronic bronchitis is a bronchitis
    ("63480004", "27624003", IS_A, 1),    # ... and a chronic disease (inactive concept: dropped)
    ("27624003", "64572001", IS_A, 1),    # chronic disease is a disease (inactive source: dropped)
    ("36971009", "2095001", FINDING_SITE, 1),  # not is-a: must not become a parent
    ("49727002", "22253000", IS_A, 0),    # made-up wrong link, inactive: must be ignored
]


def load_verhoeff(shared):
    spec = importlib.util.spec_from_file_location("verhoeff", os.path.join(shared, "tools", "verhoeff.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_id(vh, item, partition):
    """SCTID = item identifier + 2-digit partition + Verhoeff check digit."""
    body = "%d%s" % (item, partition)
    for d in "0123456789":
        if vh.verhoeff_ok(body + d):
            return body + d
    raise SystemExit("no check digit for " + body)


def write(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(header) + "\r\n")  # RF2 lines end in CR LF
        for r in rows:
            f.write("\t".join(r) + "\r\n")
    print("wrote", os.path.relpath(path, ROOT), len(rows), "rows")


def main(argv):
    shared = argv[1] if len(argv) > 1 else os.environ.get("SAMSVAR_SHARED", os.path.join(ROOT, "..", "shared"))
    vh = load_verhoeff(shared)
    gps = json.load(open(os.path.join(shared, "terminology", "snomed-gps-2020.valueset.json"), encoding="utf-8"))
    inc = gps["compose"]["include"][0]
    module, release = GPS_VERSION_RE.match(inc["version"]).groups()
    fsn = {c["code"]: c["display"] for c in inc["concept"]}
    for cid in [c for c, _ in CONCEPTS] + [FSN, SYNONYM, IS_A, PRIMITIVE, CASE_INSENSITIVE, INFERRED,
                                           EXISTENTIAL, FINDING_SITE, module]:
        why = vh.check_sctid(cid)
        if why:
            raise SystemExit("%s: %s" % (cid, why))
    for cid, _ in CONCEPTS:
        if cid not in fsn:
            raise SystemExit("%s is not in the GPS" % cid)
    os.makedirs(OUT, exist_ok=True)

    concepts = []
    for n, (cid, active) in enumerate(CONCEPTS):
        concepts.append((cid, release if n % 2 == 0 else OLD_TIME, str(active), module, PRIMITIVE))
    write("sct2_Concept_Snapshot_INT_%s.txt" % release,
          ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"], concepts)

    descs = []
    item = 1000
    for cid, _ in CONCEPTS:
        term = fsn[cid]
        synonym = re.sub(r" \([^()]*\)$", "", term)  # FSN minus its semantic tag
        for type_id, text in ((FSN, term), (SYNONYM, synonym)):
            item += 1
            descs.append((make_id(vh, item, "01"), OLD_TIME, "1", module, cid, "en", type_id, text, CASE_INSENSITIVE))
    item += 1  # one retired synonym: must not become a designation
    descs.append((make_id(vh, item, "01"), release, "0", module, "36971009", "en", SYNONYM,
                  "Sinusitis (retired test row)", CASE_INSENSITIVE))
    write("sct2_Description_Snapshot-en_INT_%s.txt" % release,
          ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
           "caseSignificanceId"], descs)

    rels = []
    item = 5000
    for src, dst, type_id, active in RELATIONSHIPS:
        item += 1
        rels.append((make_id(vh, item, "02"), OLD_TIME, str(active), module, src, dst, "0", type_id, INFERRED,
                     EXISTENTIAL))
    write("sct2_Relationship_Snapshot_INT_%s.txt" % release,
          ["id", "effectiveTime", "active", "moduleId", "sourceId", "destinationId", "relationshipGroup", "typeId",
           "characteristicTypeId", "modifierId"], rels)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
