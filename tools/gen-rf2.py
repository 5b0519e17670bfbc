#!/usr/bin/env python3
"""Writes a synthetic SNOMED CT RF2 Snapshot of a given size: for tests (small) and `make bench` (full size).

It is NOT SNOMED CT: every concept, description and relationship is made up (ids with valid Verhoeff check
digits and partition ids, terms built from a word list), deterministic from --seed. Only the metadata ids that
RF2 files must carry are real; they are listed below with where they were copied from.

Layout (as a release): OUT/SnomedCT_SyntheticINT_<date>/Snapshot/{Terminology,Refset/Language,Refset/Content}
with concepts, descriptions (FSN + synonyms, a few with non-ASCII letters), inferred is-a relationships, the GB
English language refset (FSN and first synonym preferred, the others acceptable), one simple refset, and
inactive concepts with REPLACED BY / SAME AS / POSSIBLY EQUIVALENT TO / ALTERNATIVE association rows (and inactive is-a rows). With --extension, also
OUT/SnomedCT_SyntheticExtension_<date>/Snapshot/...: an extension module in namespace --namespace with its own
concepts under international ones, Norwegian ("no") descriptions of international concepts and two language
refsets (nb, nn), each in its own file (der2_cRefset_LanguageSnapshot-nb_..., -nn_...), and an en-GB file
whose rows name an international acceptable synonym (now preferred) and a description in neither edition. OUT/generated.json names what tests and the bench need (folders, version URIs, root,
refset ids, a concept with about --subtree descendants and one of its children, a common word).

With --full, each release folder also gets a Full/ folder beside Snapshot/ (file names with Full for Snapshot,
as a release ZIP has them): every Snapshot row, which stays the latest row of its component, plus earlier rows
(dated one and two years before) of some components, written before or after the latest one: concepts that
were active and are inactive now and concepts that were inactive and are active again, descriptions whose term
changed and retired descriptions that were active, is-a rows that moved from another destination, language
refset rows whose acceptability changed, refset and association rows that were inactive or pointed elsewhere.
Importing a Full/ folder must give what its Snapshot/ gives; generated.json's "full" names the folders and one
component of each kind whose earlier row says something else. The history comes from its own random stream, so
the Snapshot is the same with and without --full.

The hierarchy is a random recursive tree (depth about ln N, heavy-tailed fan-out) below 19 top-level concepts,
plus extra parents up to --isa links in all: nine in ten a cousin (a child of an ancestor one to three levels
above the first parent), one in ten any concept; always an earlier concept (so no cycle) and never one that
is already an ancestor.

Usage: python3 tools/gen-rf2.py OUT [--concepts N] [--descriptions D] [--isa E] [--inactive M] [--seed S]
                                    [--extension] [--ext-concepts K] [--date yyyymmdd] [--shared DIR] [--full]
Full size (bench): --concepts 350000 --descriptions 1000000 --isa 500000.
"""
import argparse
import importlib.util
import json
import os
import random
import sys
import uuid

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Metadata ids. FSN, SYNONYM, IS_A, PRIMITIVE, CASE_INSENSITIVE, INFERRED, EXISTENTIAL and the module id are
# those of tools/make-rf2-fixture.py (checked there against the GPS and verhoeff.py). The others were copied
# from public RF2 tooling (the REPLACED BY / SAME AS association refsets, GB English language refset,
# preferred / acceptable acceptability, the root 138875005 |SNOMED CT Concept|); every one is checked with
# ../shared/tools/verhoeff.py before anything is written.
MODULE = "900000000000207008"
FSN = "900000000000003001"
SYNONYM = "900000000000013009"
IS_A = "116680003"
PRIMITIVE = "900000000000074008"
CASE_INSENSITIVE = "900000000000448009"
INFERRED = "900000000000011006"
EXISTENTIAL = "900000000000451002"
ROOT = "138875005"
GB_ENGLISH = "900000000000508004"
PREFERRED = "900000000000548007"
ACCEPTABLE = "900000000000549004"
REPLACED_BY = "900000000000526001"
SAME_AS = "900000000000527005"
# POSSIBLY EQUIVALENT TO and ALTERNATIVE: as FHIR's SNOMED CT page ("Implicit Concept Maps") and public RF2
# tooling list them.
POSSIBLY_EQUIVALENT_TO = "900000000000523009"
ALTERNATIVE = "900000000000530003"
ASSOCIATIONS = [(SAME_AS, "SAME AS"), (REPLACED_BY, "REPLACED BY"), (POSSIBLY_EQUIVALENT_TO, "POSSIBLY EQUIVALENT TO"),
                (ALTERNATIVE, "ALTERNATIVE")]
METADATA = [MODULE, FSN, SYNONYM, IS_A, PRIMITIVE, CASE_INSENSITIVE, INFERRED, EXISTENTIAL, ROOT, GB_ENGLISH,
            PREFERRED, ACCEPTABLE, REPLACED_BY, SAME_AS, POSSIBLY_EQUIVALENT_TO, ALTERNATIVE]

# 19 top-level hierarchies (made-up ids; the names and semantic tags follow the International Edition's).
TOP = [("Clinical finding", "finding"), ("Procedure", "procedure"), ("Body structure", "body structure"),
       ("Organism", "organism"), ("Substance", "substance"), ("Pharmaceutical / biologic product", "product"),
       ("Specimen", "specimen"), ("Observable entity", "observable entity"), ("Event", "event"),
       ("Situation with explicit context", "situation"), ("Environment or geographical location", "environment"),
       ("Social context", "social concept"), ("Staging and scales", "staging scale"),
       ("Physical object", "physical object"), ("Physical force", "physical force"),
       ("Record artifact", "record artifact"), ("Qualifier value", "qualifier value"),
       ("Special concept", "special concept"), ("SNOMED CT Model Component", "metadata")]

WORDS = ("pain fracture chronic acute disorder infection lesion injury syndrome disease abscess ulcer tumour "
         "stenosis inflammation deficiency hernia cyst necrosis edema hemorrhage obstruction dysplasia "
         "left right upper lower anterior posterior lateral medial proximal distal bilateral partial total "
         "arm leg knee hip shoulder elbow wrist ankle foot hand finger toe spine neck head chest abdomen "
         "heart lung liver kidney bladder stomach colon skin bone muscle tendon nerve artery vein eye ear "
         "nose mouth tooth brain blood joint ligament cartilage gland breast uterus ovary prostate thyroid "
         "congenital traumatic postoperative recurrent severe mild moderate primary secondary malignant "
         "benign viral bacterial fungal allergic degenerative idiopathic hereditary neonatal senile "
         "excision repair biopsy insertion removal transplant imaging examination assessment therapy "
         "injection drainage reconstruction replacement fixation amputation screening monitoring "
         "Sjögren Ménière Ångström naïve Bézier Düsseldorf").split()
NO_WORDS = ("smerte brudd kronisk akutt lidelse infeksjon skade sykdom venstre høyre øvre nedre arm bein kne "
            "hofte skulder albue håndledd ankel fot hånd finger tå rygg nakke hode bryst mage hjerte lunge "
            "lever nyre blære hud knokkel muskel nerve øye øre nese munn tann hjerne blod ledd ødem årsak "
            "betennelse svulst").split()

VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


class Ids:
    """SCTIDs: item identifier [+ 7-digit namespace] + partition + Verhoeff check digit. Items start at
    1,000,000 (ids of 10 digits and more), so no made-up id can equal a metadata id above (all of 9 or 18)."""

    def __init__(self, vh, namespace=None):
        self.vh, self.ns = vh, namespace
        self.next = {}
        self.checked = 0

    def make(self, kind, start):
        item = self.next.get(kind, start)
        self.next[kind] = item + 1
        part = {"concept": "0", "description": "1", "relationship": "2"}[kind]
        body = "%d%s%s%s" % (item, self.ns or "", "1" if self.ns else "0", part)
        c = 0
        for i, ch in enumerate(reversed(body)):
            c = self.vh._D[c][self.vh._P[(i + 1) % 8][ord(ch) - 48]]
        sctid = body + str(VERHOEFF_INV[c])
        self.checked += 1
        # Every concept id, and every 97th other id, goes through ../shared/tools/verhoeff.py.
        if kind == "concept":
            why = self.vh.check_sctid(sctid)
            if why:
                raise SystemExit("generated concept id %s: %s" % (sctid, why))
        elif self.checked % 97 == 0 and not self.vh.verhoeff_ok(sctid):
            raise SystemExit("generated id %s fails Verhoeff" % sctid)
        return sctid


def load_verhoeff(shared):
    spec = importlib.util.spec_from_file_location("verhoeff", os.path.join(shared, "tools", "verhoeff.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Writer:
    def __init__(self, path, header):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w", encoding="utf-8", newline="")
        self.f.write("\t".join(header) + "\r\n")   # RF2 lines end in CR LF
        self.rows = 0

    def row(self, *cols):
        self.f.write("\t".join(cols) + "\r\n")
        self.rows += 1

    def close(self):
        self.f.close()


CONCEPT_COLS = ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"]
DESC_COLS = ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
             "caseSignificanceId"]
REL_COLS = ["id", "effectiveTime", "active", "moduleId", "sourceId", "destinationId", "relationshipGroup",
            "typeId", "characteristicTypeId", "modifierId"]
LANG_COLS = ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "acceptabilityId"]
SIMPLE_COLS = ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId"]
ASSOC_COLS = ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId",
              "targetComponentId"]


class Release:
    """The files of one release folder (international or extension)."""

    def __init__(self, base, tag, date, langs=("en",)):
        snap = os.path.join(base, "Snapshot")
        t = "%s_%s" % (tag, date)
        self.concept = Writer(os.path.join(snap, "Terminology", "sct2_Concept_Snapshot_%s.txt" % t), CONCEPT_COLS)
        self.desc = Writer(os.path.join(snap, "Terminology", "sct2_Description_Snapshot-%s_%s.txt" %
                                        ("en" if tag == "INT" else "no", t)), DESC_COLS)
        self.rel = Writer(os.path.join(snap, "Terminology", "sct2_Relationship_Snapshot_%s.txt" % t), REL_COLS)
        # One language refset file per language tag (samsvar reads the tag from the file name).
        self.langs = {l: Writer(os.path.join(snap, "Refset", "Language", "der2_cRefset_LanguageSnapshot-%s_%s.txt" %
                                             (l, t)), LANG_COLS) for l in langs}
        self.lang = self.langs[langs[0]]
        self.simple = Writer(os.path.join(snap, "Refset", "Content", "der2_Refset_SimpleSnapshot_%s.txt" % t),
                             SIMPLE_COLS)
        self.assoc = Writer(os.path.join(snap, "Refset", "Content", "der2_cRefset_AssociationSnapshot_%s.txt" % t),
                            ASSOC_COLS)

    def close(self):
        for w in [self.concept, self.desc, self.rel, self.simple, self.assoc] + list(self.langs.values()):
            w.close()


def earlier(date, years):
    return "%04d%s" % (int(date[:4]) - years, date[4:])


class History:
    """Writes the Full/ folder of a release from its Snapshot/ folder (see --full above)."""

    def __init__(self, rng):
        self.rng = rng
        self.rows = 0          # earlier rows written, all releases
        self.examples = {}     # one component of each kind whose earlier row differs, first release only

    def note(self, kind, what):
        self.examples.setdefault(kind, what)

    def older(self, header, row, date):
        """The earlier rows (oldest first) of Snapshot row `row`, as lists of columns; may be none."""
        rng, c = self.rng, dict(zip(header, row))
        p1, p2 = earlier(date, 1), earlier(date, 2)
        out = []

        def was(t, **changes):
            r = dict(c, effectiveTime=t, **changes)
            out.append([r[h] for h in header])

        x = rng.random()
        if "definitionStatusId" in c:
            if c["active"] == "0":
                was(p1, active="1")
                self.note("inactivated_concept", c["id"])
            elif x < 0.1 and c["id"] != ROOT:
                was(p2, active="1")
                was(p1, active="0")
                self.note("reactivated_concept", c["id"])
        elif "term" in c:
            if c["active"] == "0":
                was(p1, active="1")
                self.note("retired_description", {"id": c["id"], "concept": c["conceptId"], "term": c["term"]})
            elif x < 0.15:
                old = "Former " + c["term"]
                was(p1, term=old)
                self.note("changed_description", {"id": c["id"], "concept": c["conceptId"], "old_term": old,
                                                   "term": c["term"], "type": c["typeId"]})
        elif "destinationId" in c:
            if c["active"] == "0":
                was(p1, active="1")
            elif x < 0.1 and self.last_dest not in (None, c["destinationId"], c["sourceId"]):
                was(p1, destinationId=self.last_dest)
                self.note("moved_is_a", {"id": c["id"], "source": c["sourceId"], "old_destination": self.last_dest,
                                         "destination": c["destinationId"]})
            self.last_dest = c["destinationId"]
        elif "acceptabilityId" in c:
            if x < 0.15:
                old = ACCEPTABLE if c["acceptabilityId"] == PREFERRED else PREFERRED
                was(p2, active="0")
                was(p1, acceptabilityId=old)
                self.note("changed_acceptability", {"id": c["id"], "description": c["referencedComponentId"],
                                                     "old": old, "acceptability": c["acceptabilityId"]})
        elif "targetComponentId" in c:
            if x < 0.5 and self.last_target not in (None, c["targetComponentId"]):
                was(p2, targetComponentId=self.last_target)
                was(p1, active="0")
                self.note("retargeted_association", {"id": c["id"], "source": c["referencedComponentId"],
                                                      "old_target": self.last_target,
                                                      "target": c["targetComponentId"]})
            self.last_target = c["targetComponentId"]
        elif x < 0.2:
            was(p1, active="0")
            self.note("readded_member", {"id": c["id"], "member": c["referencedComponentId"]})
        return out

    def write(self, release_dir, date):
        """Writes release_dir/Full from release_dir/Snapshot; returns the Full folder."""
        snap, full = os.path.join(release_dir, "Snapshot"), os.path.join(release_dir, "Full")
        for d, _, names in sorted(os.walk(snap)):
            for name in sorted(names):
                src = os.path.join(d, name)
                dst = os.path.join(full, os.path.relpath(d, snap), name.replace("Snapshot", "Full", 1))
                self.last_dest = self.last_target = None
                with open(src, encoding="utf-8", newline="") as f:
                    lines = f.read().split("\r\n")
                header = lines[0].split("\t")
                w = Writer(dst, header)
                for line in lines[1:]:
                    if not line:
                        continue
                    row = line.split("\t")
                    old = self.older(header, row, row[1] if len(row) > 1 else date)
                    after = self.rng.random() < 0.5   # an earlier row after the latest one, or before it
                    if not after:
                        for r in old:
                            w.row(*r)
                    w.row(*row)
                    if after:
                        for r in old:
                            w.row(*r)
                    self.rows += len(old)
                w.close()
        return os.path.abspath(full)


def term_words(rng, words, n):
    return " ".join(rng.choice(words) for _ in range(n))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--concepts", type=int, default=2000, help="active concepts (root included)")
    ap.add_argument("--descriptions", type=int, default=0, help="active descriptions (default 2.86 x concepts)")
    ap.add_argument("--isa", type=int, default=0, help="active is-a rows (default 1.43 x concepts)")
    ap.add_argument("--inactive", type=int, default=-1, help="inactive concepts (default 2%% of concepts)")
    ap.add_argument("--refset-size", type=int, default=0, help="simple refset members (default N/350, >= 10)")
    ap.add_argument("--subtree", type=int, default=0, help="descendants wanted under generated.json's "
                    "'subtree' concept (default N/35)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="20250131")
    ap.add_argument("--extension", action="store_true")
    ap.add_argument("--ext-concepts", type=int, default=0, help="extension concepts (default N/50, >= 5)")
    ap.add_argument("--ext-date", default="20250415")
    ap.add_argument("--namespace", default="9999999", help="7-digit namespace of the extension (made up)")
    ap.add_argument("--full", action="store_true", help="also write a Full/ folder per release (see above)")
    ap.add_argument("--shared", default=os.environ.get("SAMSVAR_SHARED", os.path.join(ROOT_DIR, "..", "shared")))
    a = ap.parse_args(argv[1:])
    n = max(a.concepts, len(TOP) + 2)
    ndesc = a.descriptions or int(n * 2.86)
    nisa = a.isa or int(n * 1.43)
    ninactive = a.inactive if a.inactive >= 0 else max(2, n // 50)
    if ndesc < 2 * n:
        raise SystemExit("--descriptions must be at least 2 x --concepts (an FSN and a synonym each)")
    if nisa < n - 1:
        raise SystemExit("--isa must be at least --concepts - 1 (a tree)")
    if len(a.namespace) != 7 or not a.namespace.isdigit():
        raise SystemExit("--namespace must be 7 digits")
    vh = load_verhoeff(a.shared)
    for cid in METADATA:
        why = vh.check_sctid(cid)
        if why:
            raise SystemExit("%s: %s" % (cid, why))
    rng = random.Random(a.seed)
    ids = Ids(vh)
    new_uuid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    date = a.date
    int_dir = os.path.join(a.out, "SnomedCT_SyntheticINT_%s" % date)
    r = Release(int_dir, "INT", date)

    # --- concepts and the primary (tree) parent -------------------------------------------------------
    codes = [ROOT] + [ids.make("concept", 1000000) for _ in range(n - 1)]
    parent = [-1] + [0] * len(TOP) + [0] * (n - 1 - len(TOP))
    top_of = [-1] + list(range(len(TOP))) + [0] * (n - 1 - len(TOP))
    depth = [0] + [1] * len(TOP) + [0] * (n - 1 - len(TOP))
    for i in range(len(TOP) + 1, n):
        p = rng.randrange(1, i)
        parent[i] = p
        top_of[i] = top_of[p]
        depth[i] = depth[p] + 1
    parents = [[parent[i]] if i else [] for i in range(n)]
    kids = [[] for _ in range(n)]
    for i in range(1, n):
        kids[parent[i]].append(i)
    extra = nisa - (n - 1)
    first = len(TOP) + 2
    tries = 0
    while extra > 0 and n > first + 2 and tries < 20 * nisa:
        tries += 1
        i = rng.randrange(first + 1, n)
        if rng.random() < 0.9:
            # Mostly a cousin: a child of an ancestor one to three levels above the first parent, as in
            # a real polyhierarchy ("Chronic pansinusitis" is a "Chronic sinusitis" and a "Pansinusitis").
            up = parent[i]
            for _ in range(rng.randint(1, 3)):
                if parent[up] > 0:
                    up = parent[up]
            if not kids[up]:
                continue
            p = rng.choice(kids[up])
        else:
            p = rng.randrange(1, i)   # sometimes anywhere (a link across hierarchies)
        # Earlier concepts only (so no cycle), and never an ancestor already (a redundant link).
        if p >= i or p in parents[i]:
            continue
        up, redundant = parent[i], False
        while up > 0 and not redundant:
            redundant = up == p
            up = parent[up]
        if redundant:
            continue
        parents[i].append(p)
        extra -= 1
    for i, c in enumerate(codes):
        r.concept.row(c, date, "1", MODULE, PRIMITIVE)

    # --- descriptions and the language refset ---------------------------------------------------------
    base = ["SNOMED CT Concept"] + [t for t, _ in TOP]
    for i in range(len(base), n):
        base.append(term_words(rng, WORDS, rng.randint(2, 4)).capitalize())
    extra_syn = [0] * n
    for _ in range(ndesc - 2 * n):
        extra_syn[rng.randrange(n)] += 1

    gb_synonym = {}  # the first acceptable en synonym of an active concept: the extension's en-GB refset prefers it

    def describe(cid, term, tag, active_concept, nsyn):
        fsn = "%s (%s)" % (term, tag)
        rows = [(FSN, fsn), (SYNONYM, term)]
        for k in range(nsyn):
            w = term.split()
            rng.shuffle(w)
            rows.append((SYNONYM, "%s %s" % (" ".join(w), rng.choice(WORDS)) if k % 2 else " ".join(w)))
        for k, (type_id, text) in enumerate(rows):
            did = ids.make("description", 1000000)
            r.desc.row(did, date, "1", MODULE, cid, "en", type_id, text, CASE_INSENSITIVE)
            r.lang.row(new_uuid(), date, "1", MODULE, GB_ENGLISH, did, PREFERRED if k < 2 else ACCEPTABLE)
            if k == 2 and active_concept and not gb_synonym and text != term:
                gb_synonym.update(code=cid, description=did, term=text)

    for i, c in enumerate(codes):
        tag = "SNOMED RT+CTV3" if i == 0 else TOP[top_of[i]][1]
        describe(c, base[i], tag, True, extra_syn[i])
    # a few inactive descriptions of active concepts: never designations
    for i in range(0, n, max(1, n // 20)):
        did = ids.make("description", 1000000)
        r.desc.row(did, date, "0", MODULE, codes[i], "en", SYNONYM, base[i] + " (retired)", CASE_INSENSITIVE)

    # --- is-a relationships ---------------------------------------------------------------------------
    for i in range(1, n):
        for p in parents[i]:
            r.rel.row(ids.make("relationship", 1000000), date, "1", MODULE, codes[i], codes[p], "0", IS_A,
                      INFERRED, EXISTENTIAL)

    # --- inactive concepts, their historical associations and retired is-a rows -----------------------
    inactive = []
    for j in range(ninactive):
        cid = ids.make("concept", 1000000)
        target = rng.randrange(len(TOP) + 1, n)
        # every kind in turn, REPLACED BY twice as often (as in a real release)
        refset, name = ASSOCIATIONS[j % 5] if j % 5 < 4 else ASSOCIATIONS[1]
        r.concept.row(cid, date, "0", MODULE, PRIMITIVE)
        describe(cid, base[target] + " obsolete", TOP[top_of[target]][1], False, 0)
        r.assoc.row(new_uuid(), date, "1", MODULE, refset, cid, codes[target])
        r.rel.row(ids.make("relationship", 1000000), date, "0", MODULE, cid, codes[parent[target]], "0", IS_A,
                  INFERRED, EXISTENTIAL)
        inactive.append({"code": cid, "association": name,
                         "refset": refset, "target": codes[target]})

    # --- a simple refset (its concept under the model component) --------------------------------------
    model = len(TOP)   # index of "SNOMED CT Model Component"
    refset_id = ids.make("concept", 1000000)
    r.concept.row(refset_id, date, "1", MODULE, PRIMITIVE)
    describe(refset_id, "Synthetic simple reference set", "foundation metadata concept", True, 0)
    r.rel.row(ids.make("relationship", 1000000), date, "1", MODULE, refset_id, codes[model], "0", IS_A,
              INFERRED, EXISTENTIAL)
    size = a.refset_size or max(10, n // 350)
    members = sorted(rng.sample(range(1, n), min(size, n - 1)))
    for m in members:
        r.simple.row(new_uuid(), date, "1", MODULE, refset_id, codes[m])
    r.close()

    # --- the subtree for ECL (tree descendants, a lower bound of the DAG's) ---------------------------
    want = a.subtree or max(5, n // 35)
    size_of = [1] * n
    for i in range(n - 1, 0, -1):
        size_of[parent[i]] += size_of[i]
    sub = min(range(1, n), key=lambda i: abs(size_of[i] - want))
    kids = [i for i in range(1, n) if parent[i] == sub]
    child = max(kids, key=lambda i: size_of[i]) if kids else sub

    manifest = {
        "seed": a.seed,
        "international": {
            "dir": os.path.abspath(int_dir), "module": MODULE, "date": date,
            "version": "http://snomed.info/sct/%s/version/%s" % (MODULE, date),
            "concepts": n + 1, "active_concepts": n + 1, "inactive_concepts": ninactive,
            "descriptions": r.desc.rows, "is_a": r.rel.rows - ninactive,
        },
        "root": ROOT, "top": codes[1:len(TOP) + 1],
        "subtree": {"code": codes[sub], "tree_descendants": size_of[sub] - 1, "child": codes[child],
                    "child_tree_descendants": size_of[child] - 1},
        "deep": codes[max(range(n), key=lambda i: depth[i])], "max_depth": max(depth),
        "multi_parent": next((codes[i] for i in range(n) if len(parents[i]) > 1), None),
        "leaf": codes[n - 1], "word": "pain",
        "simple_refset": {"id": refset_id, "members": len(members), "first_member": codes[members[0]]},
        "language_refset": GB_ENGLISH, "inactive": inactive[:20],
    }

    # --- the extension --------------------------------------------------------------------------------
    if a.extension:
        x = Ids(vh, a.namespace)
        xdate = a.ext_date
        ext_dir = os.path.join(a.out, "SnomedCT_SyntheticExtension_%s" % xdate)
        e = Release(ext_dir, a.namespace, xdate, ("en", "nb", "nn", "en-GB"))
        xmod = x.make("concept", 1)
        nb_refset = x.make("concept", 1)
        nn_refset = x.make("concept", 1)
        e.concept.row(xmod, xdate, "1", xmod, PRIMITIVE)
        e.concept.row(nb_refset, xdate, "1", xmod, PRIMITIVE)
        e.concept.row(nn_refset, xdate, "1", xmod, PRIMITIVE)

        def xdescribe(cid, term, lang, type_id, refsets):
            did = x.make("description", 1)
            e.desc.row(did, xdate, "1", xmod, cid, lang, type_id, term, CASE_INSENSITIVE)
            for rs, acc in refsets:
                w = e.langs["nb" if rs == nb_refset else "nn" if rs == nn_refset else "en"]
                w.row(new_uuid(), xdate, "1", xmod, rs, did, acc)

        for cid, term in ((xmod, "Synthetic extension module (core metadata concept)"),
                          (nb_refset, "Synthetic nb language reference set (foundation metadata concept)"),
                          (nn_refset, "Synthetic nn language reference set (foundation metadata concept)")):
            xdescribe(cid, term, "en", FSN, [(GB_ENGLISH, PREFERRED)])
        for cid in (nb_refset, nn_refset):
            e.rel.row(x.make("relationship", 1), xdate, "1", xmod, cid, codes[model], "0", IS_A, INFERRED,
                      EXISTENTIAL)
        e.rel.row(x.make("relationship", 1), xdate, "1", xmod, xmod, codes[model], "0", IS_A, INFERRED,
                  EXISTENTIAL)
        k = a.ext_concepts or max(5, n // 50)
        xcodes = []
        for j in range(k):
            cid = x.make("concept", 1)
            p = rng.randrange(len(TOP) + 1, n)
            xcodes.append(cid)
            e.concept.row(cid, xdate, "1", xmod, PRIMITIVE)
            word = term_words(rng, NO_WORDS, rng.randint(2, 3))
            xdescribe(cid, "%s (%s)" % (base[p], TOP[top_of[p]][1]), "en", FSN, [(GB_ENGLISH, PREFERRED)])
            xdescribe(cid, word.capitalize(), "no", SYNONYM, [(nb_refset, PREFERRED), (nn_refset, ACCEPTABLE)])
            e.rel.row(x.make("relationship", 1), xdate, "1", xmod, cid, codes[p], "0", IS_A, INFERRED, EXISTENTIAL)
        # Norwegian terms for international concepts: nb preferred, and a different nn preferred term.
        translated = sorted(rng.sample(range(1, n), min(n - 1, max(5, n // 20))))
        terms = {}
        for i in translated:
            nb = term_words(rng, NO_WORDS, rng.randint(2, 3)).capitalize()
            terms[codes[i]] = {"nb": nb, "nn": nb + " (nynorsk)"}
            xdescribe(codes[i], nb, "no", SYNONYM, [(nb_refset, PREFERRED), (nn_refset, ACCEPTABLE)])
            xdescribe(codes[i], nb + " (nynorsk)", "no", SYNONYM, [(nn_refset, PREFERRED)])
        # An en-GB refset row of the extension naming an international description (an acceptable synonym
        # there, preferred here), then one naming a description in neither edition (reported, not an error).
        gb = e.langs["en-GB"]
        gb.row(new_uuid(), xdate, "1", xmod, GB_ENGLISH, gb_synonym["description"], PREFERRED)
        unknown = {"id": x.make("description", 1), "file": os.path.basename(gb.f.name)}
        gb.row(new_uuid(), xdate, "1", xmod, GB_ENGLISH, unknown["id"], ACCEPTABLE)
        unknown["line"] = gb.rows + 1   # the header is line 1
        e.close()
        manifest["extension"] = {
            "dir": os.path.abspath(ext_dir), "module": xmod, "date": xdate, "namespace": a.namespace,
            "version": "http://snomed.info/sct/%s/version/%s" % (xmod, xdate),
            "concepts": k + 3, "first_concept": xcodes[0], "nb_refset": nb_refset, "nn_refset": nn_refset,
            "translated": [codes[i] for i in translated[:20]],
            "preferred_terms": {codes[i]: terms[codes[i]] for i in translated[:20]},
            "gb_preferred": gb_synonym, "unknown_description": unknown,
        }
    if a.full:
        h = History(random.Random(a.seed * 7919 + 17))
        manifest["full"] = {"international": {"dir": h.write(int_dir, date)}}
        manifest["full"]["international"].update(h.examples)
        if a.extension:
            manifest["full"]["extension"] = {"dir": h.write(ext_dir, xdate)}
        manifest["full"]["history_rows"] = h.rows
    with open(os.path.join(a.out, "generated.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("gen-rf2: %d concepts (+%d inactive), %d descriptions, %d is-a in %s" %
          (n + 1, ninactive, r.desc.rows, r.rel.rows - ninactive, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
