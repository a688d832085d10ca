// @peculiar/x509, loaded the one way it works: its DI container (tsyringe) needs the Reflect
// metadata polyfill evaluated first, and it signs with Node's WebCrypto. Everything in pki imports
// x509 from here, never from the package.
//
// Why @peculiar/x509 and not the openssl CLI: certificates are built in memory, so private keys
// never pass through temp files or argv, the atomic writes stay ours, no child process runs per
// registration, and nothing depends on which OpenSSL version (1.1 or 3, different flags) the
// master has. The tests still check every certificate with the real `openssl` CLI.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto);

export { x509 };

/** Node's WebCrypto. */
export const crypto = webcrypto;

/** A WebCrypto key. */
export type CryptoKey = webcrypto.CryptoKey;

/** A WebCrypto key pair. */
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
