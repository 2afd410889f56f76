"""GB 11643 ID numbers, phone numbers, AES-GCM at rest, blind index, masking (DESIGN §5)."""

import pytest
from cryptography.exceptions import InvalidTag

from xinfang.common import crypto
from xinfang.common.errors import ApplicationError
from xinfang.common.validators import (
    id_checksum,
    is_valid_id_number,
    validate_id_number,
    validate_phone,
)

VALID_X = "11010519491231002X"  # checksum digit X


def _with_checksum(first17: str) -> str:
    return first17 + id_checksum(first17)


# ---- identity numbers --------------------------------------------------------------------------

def test_valid_id_with_x_checksum():
    assert id_checksum(VALID_X[:17]) == "X"
    assert is_valid_id_number(VALID_X)
    assert validate_id_number(VALID_X) == VALID_X


def test_lower_case_x_and_spaces_are_normalised():
    assert validate_id_number(" 11010519491231002x ") == VALID_X


@pytest.mark.parametrize("first17", ["99010219800101123", "99010319991231456", "44030420000229001"])
def test_computed_checksums_validate(first17):
    assert is_valid_id_number(_with_checksum(first17))


def test_wrong_checksum_is_refused():
    for digit in "0123456789":
        assert not is_valid_id_number(VALID_X[:17] + digit)
    with pytest.raises(ApplicationError) as info:
        validate_id_number("110105194912310021", "petitioners[0].id_number")
    assert info.value.code == "invalid" and info.value.field == "petitioners[0].id_number"
    assert "身份证" in info.value.message


@pytest.mark.parametrize("first17", [
    "11010519491331002",  # month 13
    "11010519490230002",  # 30 February
    "11010520230229002",  # 29 February in a common year
    "11010519490001002",  # month 00
])
def test_impossible_birth_date_is_refused_even_with_a_right_checksum(first17):
    assert not is_valid_id_number(_with_checksum(first17))


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002XX", "110105491231002",
                                   "1101051949123100X2", "11010519491231002Y", "ABCDEFGHIJKLMNOPQR"])
def test_wrong_length_or_characters_are_refused(value):
    assert not is_valid_id_number(value)
    with pytest.raises(ApplicationError):
        validate_id_number(value)


# ---- phones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("199 1234 5678", "19912345678"),
    ("010-12345678", "010-12345678"),
    ("(0755)87654321", "075587654321"),
    ("12345", "12345"),
])
def test_valid_phones(raw, expected):
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "1380013800", "138001380000", "12800138000", "abc", "138-0013-800x"])
def test_invalid_phones(raw):
    with pytest.raises(ApplicationError) as info:
        validate_phone(raw, "phone")
    assert info.value.field == "phone" and "电话" in info.value.message


# ---- encryption at rest ------------------------------------------------------------------------

def test_aes_gcm_round_trip_and_fresh_nonce():
    secret = "张三 " + VALID_X + " 示范市东湖区青山镇桃园村3组12号"
    first, second = crypto.encrypt(secret), crypto.encrypt(secret)
    assert first != second  # a new nonce each time
    assert crypto.decrypt(first) == secret and crypto.decrypt(second) == secret
    for token in (first, second):
        assert VALID_X not in token and "张三" not in token and "桃园村" not in token
        assert token.startswith("v1:")


def test_empty_values_stay_empty():
    assert crypto.encrypt("") == "" and crypto.encrypt(None) == ""
    assert crypto.decrypt("") == "" and crypto.decrypt(None) == ""


def test_tampered_ciphertext_or_other_key_fails(settings):
    import base64

    token = crypto.encrypt(VALID_X)
    blob = bytearray(base64.b64decode(token[3:]))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt("v1:" + base64.b64encode(bytes(blob)).decode())
    settings.DATA_KEY = "another-deployment-key"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


# ---- blind index --------------------------------------------------------------------------------

def test_blind_index_is_stable_keyed_and_separated_by_kind(settings):
    a = crypto.blind_index(VALID_X, "id")
    assert a == crypto.blind_index(VALID_X, "id") and len(a) == 40
    assert VALID_X not in a
    assert crypto.blind_index(VALID_X[:17] + "9", "id") != a
    assert crypto.blind_index(VALID_X, "phone") != a
    assert crypto.blind_index("", "id") == ""
    settings.DATA_KEY = "another-deployment-key"
    assert crypto.blind_index(VALID_X, "id") != a


# ---- masking ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, masked", [
    ("张三", "张*"), ("李", "*"), ("王小明", "王**"), ("欧阳小明", "欧**明"), ("", ""),
])
def test_mask_name(name, masked):
    assert crypto.mask_name(name) == masked


def test_mask_id_number():
    assert crypto.mask_id_number(VALID_X) == "110105********002X"
    assert crypto.mask_id_number("") == ""
    assert "*" in crypto.mask_id_number("12345")


def test_mask_phone():
    assert crypto.mask_phone("13800138000") == "138****8000"
    assert crypto.mask_phone("") == ""
    masked = crypto.mask_phone("12345")
    assert masked != "12345" and "*" in masked
