"""Sealed records read back into their types and write the same bytes: results sealed by the code before
they were typed (format 1, format 2 with a split's 0.000000333333, a rated KPI), and a seal made before
seals named their result format, whose signature must still verify."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.scoring_service.domain.records import Seal
from services.scoring_service.domain.results import RepAppraisal
from shared.platform.canonical import sha256_hex
from shared.platform.signing import Signer, verify

SEALED = json.loads((Path(__file__).parent / "fixtures" / "sealed_by_main.json").read_text())


def test_results_sealed_before_the_types_read_back_and_write_the_same_bytes():
    for label, sealed in SEALED["revisions"].items():
        text = sealed["result"]
        assert sha256_hex(text.encode()) == sealed["seal"]["result_sha256"], label
        assert RepAppraisal.read(text).canonical().decode() == text, label


def test_a_split_share_is_kept_as_written_not_respelt_by_decimal():
    text = SEALED["revisions"]["format 2, with a split's 0.000000333333"]["result"]
    result = RepAppraisal.read(text)
    assert result.commission is not None
    assert "0.000000333333" in [e.value for e in result.commission.basis.events]


def test_seals_read_back_and_still_verify():
    for label, sealed in SEALED["revisions"].items():
        seal = Seal.model_validate(sealed["seal"])
        assert seal.stored() == sealed["seal"], label
        assert verify(SEALED["public_key"], sealed["signature"], seal.stored()), label


def test_a_seal_made_before_formats_keeps_no_result_format_so_its_signature_verifies():
    signer = Signer(Ed25519PrivateKey.from_private_bytes(b"s" * 32))
    old = {k: v for k, v in SEALED["revisions"]["format 1"]["seal"].items() if k != "result_format"}
    signature = signer.sign(old)
    seal = Seal.model_validate(old)
    assert "result_format" not in seal.stored()
    public_key = base64.b64encode(signer.public_key).decode()
    assert verify(public_key, signature, seal.stored())
