"""JSON-LD @context values of the documents we publish (actors, listings, events)."""

from node.activitypub.vocab import AS_CONTEXT, SECURITY_CONTEXT

# Our own terms (listing type, category, price) live under this fixed IRI, documented in
# docs/federation.md; it never changes with the node's address so every node parses the same terms.
QUARTIER_NS = "https://quartier.example/ns#"

ACTOR_CONTEXT = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
        "schema": "http://schema.org#",
        "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
        "qr": QUARTIER_NS,
        "country": "qr:country",
    },
]
# FEP-0837 terms (ValueFlows + OM2) and ours, for listings.
LISTING_CONTEXT = [
    AS_CONTEXT,
    {
        "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
        "vf": "https://w3id.org/valueflows/ont/vf#",
        "Proposal": "vf:Proposal",
        "Intent": "vf:Intent",
        "action": "vf:action",
        "purpose": "vf:purpose",
        "unitBased": "vf:unitBased",
        "publishes": "vf:publishes",
        "reciprocal": "vf:reciprocal",
        "resourceConformsTo": "vf:resourceConformsTo",
        "resourceQuantity": "vf:resourceQuantity",
        "hasUnit": "om2:hasUnit",
        "hasNumericalValue": "om2:hasNumericalValue",
        "qr": QUARTIER_NS,
        "listingType": "qr:listingType",
        "listingCategory": "qr:category",
        "price": "qr:price",
        "currency": "qr:currency",
        "priceUnit": "qr:priceUnit",
    },
]
# Mobilizon's context terms (FEDERATION-NOTES §5.1) for events.
EVENT_CONTEXT = [
    AS_CONTEXT,
    {
        "sc": "http://schema.org#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "mz": "https://joinmobilizon.org/ns#",
        "pt": "https://joinpeertube.org/ns#",
        "category": "sc:category",
        "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
        "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
        "location": {"@id": "sc:location", "@type": "sc:Place"},
        "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
        "PostalAddress": "sc:PostalAddress",
        "addressCountry": "sc:addressCountry",
        "addressLocality": "sc:addressLocality",
        "postalCode": "sc:postalCode",
        "streetAddress": "sc:streetAddress",
        "joinMode": "mz:joinMode",
        "participantCount": "mz:participantCount",
        "timezone": "mz:timezone",
        "anonymousParticipationEnabled": "mz:anonymousParticipationEnabled",
        "commentsEnabled": "pt:commentsEnabled",
        "eventStatus": "https://w3id.org/fep/8a8e/eventStatus",
        "inLanguage": "sc:inLanguage",
        "qr": QUARTIER_NS,
        "waitingCount": "qr:waitingCount",
    },
]

# Residence attestations (docs/federation.md "Verification that travels"): FEP-8b32 proofs need
# the Data Integrity context; the Group's Ed25519 key is a FEP-521a Multikey.
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ATTESTATION_TERMS = {
    "qr": QUARTIER_NS,
    "ResidenceAttestation": "qr:ResidenceAttestation",
    "resident": {"@id": "qr:resident", "@type": "@id"},
    "quarterName": "qr:quarterName",
    "country": "qr:country",
    "verifiedSince": {"@id": "qr:verifiedSince", "@type": "http://www.w3.org/2001/XMLSchema#date"},
}
ATTESTATION_CONTEXT = [AS_CONTEXT, DATA_INTEGRITY_CONTEXT, ATTESTATION_TERMS]
# Actors that carry an attestation (a resident) or an assertion key (a quarter's Group).
ATTESTED_ACTOR_CONTEXT = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    DATA_INTEGRITY_CONTEXT,
    MULTIKEY_CONTEXT,
    {
        **ACTOR_CONTEXT[2],
        "residenceAttestation": "qr:residenceAttestation",
    },
]
