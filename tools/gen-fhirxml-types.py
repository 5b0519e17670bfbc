#!/usr/bin/env python3
"""Generates gateway/fhirxml_types.c, the FHIR R4 type table used by gateway/fhirxml.c, plus the
R5 ConceptMap definitions (R5_TYPES below) the writer uses for fhirVersion=5.0 answers.

Reads the official FHIR R4 JSON schema (fhir.schema.json) and writes, for every definition with
properties (resources, datatypes and backbone elements such as CodeSystem_Concept), its properties
in definition order (the order the XML schema's sequences require), whether each repeats, and its
kind: a string, integer, decimal or boolean primitive, a complex type, a nested resource, or XHTML.
`_x` primitive-extension properties are left out: they follow from the primitive `x`.

Usage: tools/gen-fhirxml-types.py [path/to/fhir.schema.json] > gateway/fhirxml_types.c
Python 3 standard library only.
"""
import json
import os
import sys

DEFAULT = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'schemas', 'fhir-r4-json',
                       'fhir.schema.json')

# JSON schema primitive type -> table kind; decimal and integer differ only in how XML text is read.
PRIM_KIND = {'string': 'SV_FX_STRING', 'boolean': 'SV_FX_BOOLEAN'}
INTEGER_PRIMS = {'integer', 'positiveInt', 'unsignedInt'}


def prim_kind(name, defn):
    if name == 'decimal':
        return 'SV_FX_DECIMAL'
    if name in INTEGER_PRIMS:
        return 'SV_FX_INTEGER'
    return PRIM_KIND[defn.get('type', 'string')]


# FHIR R5 definitions the XML writer needs to answer fhirVersion=5.0 requests, written by hand
# because no R5 schema is bundled. Named "R5" + the R4 name so they sit beside the R4 table; only
# the writer uses them (sv_fhirxml_from_json_version), the reader never accepts them. Element order
# and types are those of the R5 ConceptMap resource,
# https://hl7.org/fhir/R5/conceptmap.html (and conceptmap-definitions.html); datatypes are the R4
# ones where R5 did not change them (Coding, CodeableConcept, ContactDetail, UsageContext, Identifier,
# Period, Quantity, RelatedArtifact, Extension). A trailing '*' marks a repeating element.
R5_RESOURCE_BASE = ['id', 'meta', 'implicitRules', 'language', 'text', 'contained', 'extension',
                    'modifierExtension']
R5_BACKBONE_BASE = ['id', 'extension', 'modifierExtension']
R5_RESOURCES = {'R5ConceptMap': 'ConceptMap'}  # R5 definition -> R4 definition its base comes from
R5_TYPES = {
    'R5ConceptMap': [
        ('url', 'uri'), ('identifier', 'Identifier*'), ('version', 'string'),
        ('versionAlgorithmString', 'string'), ('versionAlgorithmCoding', 'Coding'),
        ('name', 'string'), ('title', 'string'), ('status', 'code'), ('experimental', 'boolean'),
        ('date', 'dateTime'), ('publisher', 'string'), ('contact', 'ContactDetail*'),
        ('description', 'markdown'), ('useContext', 'UsageContext*'),
        ('jurisdiction', 'CodeableConcept*'), ('purpose', 'markdown'), ('copyright', 'markdown'),
        ('copyrightLabel', 'string'), ('approvalDate', 'date'), ('lastReviewDate', 'date'),
        ('effectivePeriod', 'Period'), ('topic', 'CodeableConcept*'), ('author', 'ContactDetail*'),
        ('editor', 'ContactDetail*'), ('reviewer', 'ContactDetail*'),
        ('endorser', 'ContactDetail*'), ('relatedArtifact', 'RelatedArtifact*'),
        ('property', 'R5ConceptMap_Property*'),
        ('additionalAttribute', 'R5ConceptMap_AdditionalAttribute*'),
        ('sourceScopeUri', 'uri'), ('sourceScopeCanonical', 'canonical'),
        ('targetScopeUri', 'uri'), ('targetScopeCanonical', 'canonical'),
        ('group', 'R5ConceptMap_Group*'),
    ],
    'R5ConceptMap_Property': [
        ('code', 'code'), ('uri', 'uri'), ('description', 'string'), ('type', 'code'),
        ('system', 'canonical'),
    ],
    'R5ConceptMap_AdditionalAttribute': [
        ('code', 'code'), ('uri', 'uri'), ('description', 'string'), ('type', 'code'),
    ],
    'R5ConceptMap_Group': [
        ('source', 'canonical'), ('target', 'canonical'), ('element', 'R5ConceptMap_Element*'),
        ('unmapped', 'R5ConceptMap_Unmapped'),
    ],
    'R5ConceptMap_Element': [
        ('code', 'code'), ('display', 'string'), ('valueSet', 'canonical'), ('noMap', 'boolean'),
        ('target', 'R5ConceptMap_Target*'),
    ],
    'R5ConceptMap_Target': [
        ('code', 'code'), ('display', 'string'), ('valueSet', 'canonical'),
        ('relationship', 'code'), ('comment', 'string'), ('property', 'R5ConceptMap_Property1*'),
        ('dependsOn', 'R5ConceptMap_DependsOn*'), ('product', 'R5ConceptMap_DependsOn*'),
    ],
    'R5ConceptMap_Property1': [
        ('code', 'code'), ('valueCoding', 'Coding'), ('valueString', 'string'),
        ('valueInteger', 'integer'), ('valueBoolean', 'boolean'), ('valueDateTime', 'dateTime'),
        ('valueDecimal', 'decimal'), ('valueCode', 'code'),
    ],
    'R5ConceptMap_DependsOn': [  # R5 "OtherElement", used by dependsOn and product
        ('attribute', 'code'), ('valueCode', 'code'), ('valueCoding', 'Coding'),
        ('valueString', 'string'), ('valueBoolean', 'boolean'), ('valueQuantity', 'Quantity'),
        ('valueSet', 'canonical'),
    ],
    'R5ConceptMap_Unmapped': [
        ('mode', 'code'), ('code', 'code'), ('display', 'string'), ('valueSet', 'canonical'),
        ('relationship', 'code'), ('otherMap', 'canonical'),
    ],
}


def add_r5(defs):
    """Adds R5_TYPES to `defs` in the JSON schema's own shape, so one loop emits both."""
    for name, props in R5_TYPES.items():
        base_of = R5_RESOURCES.get(name, 'ConceptMap_Group')
        base = R5_RESOURCE_BASE if name in R5_RESOURCES else R5_BACKBONE_BASE
        out = {p: defs[base_of]['properties'][p] for p in base}
        for p, t in props:
            ref = {'$ref': '#/definitions/' + t.rstrip('*')}
            if t.rstrip('*') not in defs and t.rstrip('*') not in R5_TYPES:
                sys.exit('R5 %s.%s: unknown type %s' % (name, p, t))
            out[p] = {'type': 'array', 'items': ref} if t.endswith('*') else ref
        defs[name] = {'properties': out}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    with open(path, encoding='utf-8') as f:
        schema = json.load(f)
    defs = schema['definitions']
    resources = {r['$ref'].rsplit('/', 1)[1] for r in defs['ResourceList']['oneOf']}
    prims = {n: prim_kind(n, d) for n, d in defs.items() if 'properties' not in d and n not in
             ('ResourceList', 'xhtml')}
    add_r5(defs)
    # Inline primitives (e.g. Extension.valueDecimal) carry only a pattern: map it back to its type.
    by_pattern = {}
    for n in prims:
        pat = defs[n].get('pattern')
        if pat is not None:
            by_pattern.setdefault((pat, defs[n].get('type')), n)
    types = sorted(n for n, d in defs.items() if 'properties' in d)
    index = {n: i for i, n in enumerate(types)}

    out = []
    w = out.append
    w('/* fhirxml_types.c — GENERATED by tools/gen-fhirxml-types.py from the FHIR R4 JSON schema')
    w(' * (fhir.schema.json) plus the hand-written R5 ConceptMap definitions in the generator;')
    w(' * do not edit by hand, regenerate instead. */')
    w('#include "samsvar/fhirxml_types.h"')
    w('')
    props_all = []
    type_rows = []
    sorted_all = []
    for n in types:
        first = len(props_all)
        props = []
        for p, pv in defs[n]['properties'].items():
            if p.startswith('_') or p == 'resourceType':
                continue
            is_array = pv.get('type') == 'array'
            item = pv['items'] if is_array else pv
            ref = item.get('$ref')
            tname = 'SV_FX_NOTYPE'
            if ref:
                target = ref.rsplit('/', 1)[1]
                if target == 'ResourceList':
                    kind = 'SV_FX_RESOURCE'
                elif target == 'xhtml':
                    kind = 'SV_FX_XHTML'
                elif target in prims:
                    kind = prims[target]
                else:
                    kind = 'SV_FX_COMPLEX'
                    tname = str(index[target])
            elif 'enum' in item:
                kind = 'SV_FX_STRING'
            elif 'pattern' in item or 'type' in item:
                pn = by_pattern.get((item.get('pattern'), item.get('type')))
                kind = prims[pn] if pn else PRIM_KIND.get(item.get('type'), 'SV_FX_STRING')
                if item.get('type') == 'number' and pn is None:
                    kind = 'SV_FX_DECIMAL'
            else:
                sys.exit('%s.%s: unknown property shape %r' % (n, p, pv))
            flags = []
            if is_array:
                flags.append('SV_FX_ARRAY')
            # In XML the id of an element (not of a resource) and Extension.url are attributes.
            if (p == 'id' and n not in resources and n not in R5_RESOURCES) or \
                    (n == 'Extension' and p == 'url'):
                flags.append('SV_FX_ATTR')
            props.append((p, kind, tname, '|'.join(flags) or '0'))
        for p in props:
            props_all.append(p)
        order = sorted(range(len(props)), key=lambda i: props[i][0])
        sorted_all.extend(order)
        type_rows.append((n, first, len(props), 1 if n in resources else 2 if n in R5_RESOURCES else 0))

    w('const struct sv_fx_prop sv_fx_props[] = {')
    for p, kind, tname, flags in props_all:
        w('\t{"%s", %s, %s, %s},' % (p, tname, kind, flags))
    w('};')
    w('')
    w('/* Per type, the indexes (relative to the type\'s first property) in name order. */')
    w('const unsigned short sv_fx_sorted[] = {')
    line = '\t'
    for i in sorted_all:
        line += '%d,' % i
        if len(line) > 100:
            w(line)
            line = '\t'
    if line.strip():
        w(line)
    w('};')
    w('')
    w('/* Sorted by name (ASCII) for binary search. */')
    w('const struct sv_fx_type sv_fx_types[] = {')
    for n, first, cnt, res in type_rows:
        w('\t{"%s", %d, %d, %d},' % (n, first, cnt, res))
    w('};')
    w('')
    w('const unsigned sv_fx_ntypes = sizeof(sv_fx_types) / sizeof(sv_fx_types[0]);')
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
