#pragma once
// qfpos computes QFPay's MD5 and SHA-256 signatures with libcrypto's digest functions
// (MD5_Init, SHA256_Init...). OpenSSL 3 marks them deprecated in favour of EVP, whose provider
// machinery costs the daemon 2 MB of resident code and heap for two fixed digests; they remain
// part of OpenSSL 3's API, and the same libcrypto code computes the digest.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
