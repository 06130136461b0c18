"""From a printed receipt to the structured e-receipt (schema `receipt-gateway/e-receipt/1`).

- `extract(lines, codes)`: the generic extractor over printed text lines and printed codes.
- `build_ereceipt(receipt, raw, source, ...)`: the full e-receipt for one decoded receipt.
- `validate(doc)`: check a document against the published JSON Schema.
- `load_till_profile(name_or_path)`: a technician's pinned layout for one till brand.
"""

from gateway.receipt.ereceipt import Source, build_ereceipt, ereceipt_from_lines
from gateway.receipt.extractor import extract
from gateway.receipt.schema import SCHEMA_ID, InvalidReceipt, schema, validate

__all__ = ["SCHEMA_ID", "InvalidReceipt", "Source", "build_ereceipt", "ereceipt_from_lines", "extract",
           "schema", "validate"]
