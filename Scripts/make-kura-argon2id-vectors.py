#!/usr/bin/env python3
"""Writes Vectors/kura-argon2id/: age test-kit style files for Kura's kura-argon2id stanza.

The files are built here from the specification in docs/AGE.md with independent
implementations (argon2-cffi for Argon2id, pyca/cryptography for HKDF, HMAC and
ChaCha20-Poly1305), not with Kura's code, so the Swift tests that decrypt them check Kura
against the written spec. Needs: pip install argon2-cffi cryptography.
Deterministic: salts, nonces and file keys come from fixed seeds, so reruns give the same bytes.
"""
import base64, hashlib, hmac, os, sys
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Vectors", "kura-argon2id")
PASSPHRASE = b"kura test vector passphrase"


def seeded(label, n):
    return hashlib.sha256(b"kura-argon2id vector " + label.encode()).digest()[:n]


def b64(data):
    return base64.b64encode(data).decode().rstrip("=")


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def wrap(file_key, passphrase, salt, t, m):
    stretched = hash_secret_raw(passphrase, salt, time_cost=t, memory_cost=m, parallelism=1,
                                hash_len=32, type=Type.ID)
    key = hkdf(stretched, b"", b"kura-argon2id/v1")
    return ChaCha20Poly1305(key).encrypt(b"\x00" * 12, file_key, None)


def stanza_text(args, body):
    text = "-> " + " ".join(args) + "\n"
    encoded = b64(body)
    while len(encoded) >= 64:
        text, encoded = text + encoded[:64] + "\n", encoded[64:]
    return text + encoded + "\n"


def payload(file_key, nonce, plaintext):
    key = hkdf(file_key, nonce, b"payload")
    aead, out, chunks = ChaCha20Poly1305(key), [nonce], [plaintext[i:i + 65536] for i in range(0, len(plaintext), 65536)] or [b""]
    for counter, chunk in enumerate(chunks):
        last = counter == len(chunks) - 1
        out.append(aead.encrypt(counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00"), chunk, None))
    return b"".join(out)


def age_file(name, stanzas, plaintext, file_key, mac_tamper=False):
    header = "age-encryption.org/v1\n" + "".join(stanza_text(a, b) for a, b in stanzas) + "---"
    mac = hmac.new(hkdf(file_key, b"", b"header"), header.encode(), hashlib.sha256).digest()
    if mac_tamper:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return (header + " " + b64(mac) + "\n").encode() + payload(file_key, seeded(name + " nonce", 16), plaintext)


def armor(data):
    text = base64.b64encode(data).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return ("-----BEGIN AGE ENCRYPTED FILE-----\n" + "\n".join(lines) + "\n-----END AGE ENCRYPTED FILE-----\n").encode()


def write(name, expect, comment, data, plaintext=None, passphrase=PASSPHRASE, file_key=None, armored=False):
    lines = [f"expect: {expect}"]
    if plaintext is not None and expect == "success":
        lines.append(f"payload: {hashlib.sha256(plaintext).hexdigest()}")
    if file_key is not None:
        lines.append(f"file key: {file_key.hex()}")
    lines.append(f"passphrase: {passphrase.decode()}")
    if armored:
        lines.append("armored: yes")
    lines.append(f"comment: {comment}")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(("\n".join(lines) + "\n\n").encode() + data)


def main():
    os.makedirs(OUT, exist_ok=True)
    plaintext = b"".join(seeded(f"plaintext {i}", 32) for i in range(4200))  # 134400 bytes: 3 chunks
    t, m = 2, 19456

    def standard(name, args=None, body=None, extra=(), **kw):
        file_key = seeded(name + " file key", 16)
        salt = seeded(name + " salt", 16)
        if body is None:
            body = wrap(file_key, PASSPHRASE, salt, t, m)
        if args is None:
            args = ["kura-argon2id", b64(salt), str(t), str(m)]
        return file_key, age_file(name, [(args, body), *extra], plaintext, file_key, **kw)

    key, data = standard("success")
    write("kura_argon2id_success", "success", "t=2, m=19456 KiB, three payload chunks", data, plaintext, file_key=key)
    write("kura_argon2id_armored", "success", "the same file in ASCII armor", armor(data), plaintext, file_key=key, armored=True)
    write("kura_argon2id_wrong_passphrase", "no match", "the passphrase does not open the stanza", data, plaintext,
          passphrase=b"not the passphrase", file_key=key)
    key, data = standard("mac", mac_tamper=True)
    write("kura_argon2id_header_mac", "HMAC failure", "the stanza opens but the header MAC is altered", data, file_key=key)

    salt = seeded("hostile salt", 16)
    fk = seeded("hostile file key", 16)
    cheap = wrap(fk, PASSPHRASE, salt, 1, 8)
    cases = [
        ("kura_argon2id_memory_too_high", ["kura-argon2id", b64(salt), "3", "2097152"], cheap,
         "m = 2 GiB exceeds Kura's 1 GiB bound for untrusted files; refused before any work"),
        ("kura_argon2id_iterations_too_high", ["kura-argon2id", b64(salt), "11", "8"], cheap,
         "t = 11 exceeds Kura's bound of 10"),
        ("kura_argon2id_leading_zero", ["kura-argon2id", b64(salt), "01", "8"], cheap,
         "iterations must be decimal without leading zeros"),
        ("kura_argon2id_zero_memory", ["kura-argon2id", b64(salt), "1", "0"], cheap,
         "memory must be a positive decimal"),
        ("kura_argon2id_short_salt", ["kura-argon2id", b64(salt[:15]), "1", "8"], cheap,
         "the salt must be 16 bytes"),
        ("kura_argon2id_noncanonical_salt", ["kura-argon2id", b64(salt)[:-1] + "B", "1", "8"], cheap,
         "the salt is not canonical base64 (non-zero trailing bits)"),
        ("kura_argon2id_missing_argument", ["kura-argon2id", b64(salt), "1"], cheap,
         "the stanza needs salt, iterations and memory"),
        ("kura_argon2id_long_body", ["kura-argon2id", b64(salt), "1", "8"], cheap + b"\x00",
         "the body must be exactly 32 bytes"),
    ]
    for name, args, body, comment in cases:
        data = age_file(name, [(args, body)], plaintext, fk)
        write(name, "header failure", comment, data, file_key=fk)

    x25519_stanza = (["X25519", b64(seeded("share", 32))], seeded("x25519 body", 32))
    data = age_file("mixed", [(["kura-argon2id", b64(salt), "1", "8"], cheap), x25519_stanza], plaintext, fk)
    write("kura_argon2id_with_x25519", "header failure",
          "a passphrase stanza must be the only stanza in the header", data, file_key=fk)


if __name__ == "__main__":
    sys.exit(main())
