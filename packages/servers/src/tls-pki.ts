/**
 * A local PKI made at run time: one CA and leaf certificates signed by it, generated in Node with WebCrypto and
 * @peculiar/x509 (no openssl CLI, nothing written to disk, no private key in the repository). Clients trust the CA
 * explicitly; verification is never disabled.
 */
import { webcrypto } from 'node:crypto';
import { UsageError } from '@casebook/results';

export const CERT_TYPES = ['ecdsa-p256', 'rsa-2048'] as const;
export type CertType = (typeof CERT_TYPES)[number];

/** Names every leaf is valid for: loopback by name and address, plus the lab's host names. */
export const LAB_HOSTNAMES = ['localhost', 'casebook.test', 'origin.casebook.test', 'proxy.casebook.test'] as const;
export const LAB_IPS = ['127.0.0.1', '::1'] as const;

export interface LeafCertificate {
  certType: CertType;
  certPem: string;
  /** PKCS#8 PEM. Lives only in memory of the process that asked for it (and the target it is handed to). */
  keyPem: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** SHA-256 fingerprint of the leaf (hex). */
  fingerprint: string;
}

export interface Pki {
  caPem: string;
  leaf(certType: CertType): Promise<LeafCertificate>;
}

export function resolveCertType(value: unknown): CertType {
  if (typeof value === 'string' && (CERT_TYPES as readonly string[]).includes(value)) return value as CertType;
  throw new UsageError('certType', value, `expected one of ${CERT_TYPES.join(', ')}`);
}

type X509 = typeof import('@peculiar/x509');
let x509Module: X509 | null = null;
function loadX509(): X509 {
  if (!x509Module) {
    // tsyringe (used by @peculiar/x509) needs the Reflect metadata API, so reflect-metadata must be loaded first. It
    // is loaded here, not at the top of the file, because every process imports this module (options.ts uses
    // resolveCertType) and only those that make certificates should get a patched global Reflect.
    require('reflect-metadata');
    x509Module = require('@peculiar/x509') as X509;
    x509Module.cryptoProvider.set(webcrypto as unknown as Parameters<X509['cryptoProvider']['set']>[0]);
  }
  return x509Module;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

let serial = 1;
const nextSerial = (): string => (serial++).toString(16).padStart(2, '0');

/** Create a CA (ECDSA P-256, valid one day, path length 0) in memory. */
export async function createPki(): Promise<Pki> {
  const x509 = loadX509();
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const caKeys = (await subtle.generateKey(ECDSA, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: 'CN=Concurrency Casebook lab CA (ephemeral)',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaves = new Map<CertType, Promise<LeafCertificate>>();
  const makeLeaf = async (certType: CertType): Promise<LeafCertificate> => {
    const alg = certType === 'ecdsa-p256' ? ECDSA : RSA;
    const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const dnsNames = [...LAB_HOSTNAMES];
    const ipAddresses = [...LAB_IPS];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(),
      subject: 'CN=localhost',
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ECDSA,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          certType === 'ecdsa-p256'
            ? x509.KeyUsageFlags.digitalSignature
            : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false),
      ],
    });
    const fingerprint = Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex');
    return {
      certType,
      certPem: cert.toString('pem'),
      keyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)),
      dnsNames,
      ipAddresses,
      fingerprint,
    };
  };
  return {
    caPem: ca.toString('pem'),
    leaf(certType) {
      const type = resolveCertType(certType);
      let p = leaves.get(type);
      if (!p) {
        p = makeLeaf(type);
        leaves.set(type, p);
      }
      return p;
    },
  };
}
