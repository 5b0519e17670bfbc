#!/usr/bin/python3
"""Validate captured FHIR responses against the official FHIR R4 schemas.

usage: validate-fhir.py DIR SHARED
  *.json files: the FHIR R4 JSON schema (SHARED/schemas/fhir-r4-json/fhir.schema.json), each against
                the definition of its own resourceType;
  *.xml files:  the FHIR R4 XSD (SHARED/schemas/fhir-r4-xsd/fhir-single.xsd) with xmllint.
Prints one line per invalid file and a closing 'validate-fhir: N passed, N failed'.
Needs Debian's python3-jsonschema and libxml2-utils; exits 77 (skipped, the automake convention that
tests/run.sh counts) with a visible SKIP line when the schemas are absent.
"""
import glob
import json
import os
import subprocess
import sys

SKIPPED = 77


def main():
    folder, shared = sys.argv[1], sys.argv[2]
    jschema = os.path.join(shared, "schemas/fhir-r4-json/fhir.schema.json")
    xsd = os.path.join(shared, "schemas/fhir-r4-xsd/fhir-single.xsd")
    jfiles = sorted(glob.glob(os.path.join(folder, "*.json")))
    xfiles = sorted(glob.glob(os.path.join(folder, "*.xml")))
    if not os.path.exists(jschema) or not os.path.exists(xsd):
        print("SKIP: FHIR schemas not found under %s (set SAMSVAR_SHARED); %d responses not validated"
              % (shared, len(jfiles) + len(xfiles)))
        return SKIPPED
    import jsonschema
    with open(jschema) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    validators = {}
    passed = failed = 0
    for path in jfiles:
        with open(path) as f:
            try:
                doc = json.load(f)
            except ValueError as e:
                print("INVALID JSON %s: %s" % (path, e))
                failed += 1
                continue
        rt = doc.get("resourceType")
        if rt not in schema["definitions"]:
            print("INVALID %s: unknown resourceType %r" % (path, rt))
            failed += 1
            continue
        if rt not in validators:
            sub = dict(schema)
            sub.pop("oneOf", None)
            sub.pop("discriminator", None)
            sub["$ref"] = "#/definitions/" + rt
            validators[rt] = cls(sub)
        errors = list(validators[rt].iter_errors(doc))
        if errors:
            failed += 1
            print("INVALID %s (%s): %s at %s" % (path, rt, errors[0].message[:300], list(errors[0].absolute_path)))
        else:
            passed += 1
    for i in range(0, len(xfiles), 200):
        chunk = xfiles[i:i + 200]
        out = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd] + chunk,
                             capture_output=True, text=True)
        for path in chunk:
            if (path + " validates") in out.stderr:
                passed += 1
            else:
                failed += 1
                lines = [l for l in out.stderr.splitlines() if l.startswith(path)]
                print("INVALID %s: %s" % (path, "; ".join(lines[:3])))
    print("validate-fhir: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
