/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BcCmsVerify - an independent verifier of detached CMS (CAdES) signatures,
 * built on BouncyCastle only (no OpenSSL, no eseal code), for interop tests.
 *
 * Usage: java -cp <bcprov.jar:bcpkix.jar:bcutil.jar>:<classdir> BcCmsVerify SIG.p7s DATA [CA.pem ...]
 *
 *   SIG.p7s  DER (or PEM "-----BEGIN CMS/PKCS7-----") detached CMS SignedData
 *   DATA     the signed content
 *   CA.pem   optional PEM (or DER) files, each holding one or more CA certificates
 *
 * For every SignerInfo: find the signer certificate among the certificates
 * embedded in the SignedData, then let BouncyCastle verify the message digest,
 * the signed attributes and the signature (JcaSimpleSignerInfoVerifierBuilder,
 * provider "BC").  SM2 signatures (signature algorithm 1.2.156.10197.1.501
 * SM2-with-SM3, or 1.2.156.10197.1.301 with digest SM3 1.2.156.10197.1.401)
 * map to BC's "SM3WITHSM2", whose SM2 distinguishing ID defaults to
 * "1234567812345678" (org.bouncycastle.crypto.signers.SM2Signer, BC 1.72).
 *
 * When CA files are given, the signer certificate must also chain to them:
 * its signature must verify under the public key of a given CA certificate
 * whose subject is the signer certificate's issuer; the walk then continues
 * up through the given CA certificates until a self-signed one (which must
 * verify under its own key) or a certificate whose issuer is not among them.
 * Every link found must verify.  Certificate signatures are checked with
 * X509Certificate.verify(key, "BC"), which for SM2 uses SM3withSM2 with the
 * default ID as well.  Validity periods and extensions are NOT checked here.
 *
 * Output: one line per signer, "signer N: OK <subject>" or
 * "signer N: FAIL <reason>", preceded by detail lines "algs N: ..." (the
 * digest and signature algorithm OIDs) and, when CAs are given, "chain N: ...".
 * Exit: 0 all signers (and chains) verify, 1 otherwise, 2 usage/parse error.
 */

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PublicKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableFile;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.Selector;
import org.bouncycastle.util.Store;

public final class BcCmsVerify {

    private static final int MAX_CHAIN = 16;

    private BcCmsVerify() {
    }

    private static void usage(String msg) {
        if (msg != null) {
            System.err.println("BcCmsVerify: " + msg);
        }
        System.err.println("usage: BcCmsVerify SIG.p7s DATA [CA.pem ...]");
        System.exit(2);
    }

    /* DER as is; PEM ("-----BEGIN ...-----") is unwrapped to DER. */
    private static byte[] derOrPem(byte[] raw) {
        String head = new String(raw, 0, Math.min(raw.length, 64), StandardCharsets.US_ASCII);
        if (!head.contains("-----BEGIN")) {
            return raw;
        }
        String text = new String(raw, StandardCharsets.US_ASCII);
        int b = text.indexOf("-----BEGIN");
        int bodyStart = text.indexOf('\n', b);
        int e = text.indexOf("-----END", bodyStart);
        if (bodyStart < 0 || e < 0) {
            throw new IllegalArgumentException("malformed PEM");
        }
        return Base64.getMimeDecoder().decode(text.substring(bodyStart + 1, e));
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            String m = c.getMessage();
            sb.append(c.getClass().getSimpleName());
            if (m != null && !m.isEmpty()) {
                sb.append(" (").append(m.replace('\n', ' ')).append(')');
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }

    private static boolean sigVerifies(X509Certificate cert, PublicKey key) {
        try {
            cert.verify(key, BouncyCastleProvider.PROVIDER_NAME);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String sigAlg(X509Certificate c) {
        return c.getSigAlgName() + " (" + c.getSigAlgOID() + ")";
    }

    /*
     * Walks from leaf up through the given CA certificates.  Returns null on
     * success, else the reason of failure; appends a description of the path
     * to 'path'.
     */
    private static String checkChain(X509Certificate leaf, List<X509Certificate> cas, StringBuilder path) {
        X509Certificate cur = leaf;
        path.append('"').append(leaf.getSubjectX500Principal().getName()).append('"');
        if (cas.contains(leaf)) {
            path.append(" [signer certificate itself given as a CA]");
            return null;
        }
        for (int depth = 0; depth < MAX_CHAIN; depth++) {
            boolean selfIssued = cur.getIssuerX500Principal().equals(cur.getSubjectX500Principal());
            if (selfIssued && depth > 0) {
                if (sigVerifies(cur, cur.getPublicKey())) {
                    path.append(" [self-signed root, ").append(sigAlg(cur)).append(']');
                    return null;
                }
                return "self-issued CA certificate \"" + cur.getSubjectX500Principal().getName()
                        + "\" does not verify under its own key (" + sigAlg(cur) + ")";
            }
            List<X509Certificate> byName = new ArrayList<>();
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(cur.getIssuerX500Principal()) && !ca.equals(cur)) {
                    byName.add(ca);
                }
            }
            if (byName.isEmpty()) {
                if (depth == 0) {
                    return "no given CA certificate is named \"" + cur.getIssuerX500Principal().getName()
                            + "\" (the signer certificate's issuer)";
                }
                /* Partial chain: anchored at a given intermediate CA. */
                path.append(" [issuer not among given CAs: partial chain]");
                return null;
            }
            X509Certificate next = null;
            for (X509Certificate ca : byName) {
                if (sigVerifies(cur, ca.getPublicKey())) {
                    next = ca;
                    break;
                }
            }
            if (next == null) {
                return "certificate \"" + cur.getSubjectX500Principal().getName()
                        + "\" does not verify under the key of any given CA named \""
                        + cur.getIssuerX500Principal().getName() + "\" (" + sigAlg(cur) + ")";
            }
            path.append(" <- (").append(sigAlg(cur)).append(") \"")
                    .append(next.getSubjectX500Principal().getName()).append('"');
            cur = next;
        }
        return "chain longer than " + MAX_CHAIN + " certificates";
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            usage(null);
        }
        Security.addProvider(new BouncyCastleProvider());

        File sigFile = new File(args[0]);
        File dataFile = new File(args[1]);
        if (!dataFile.isFile()) {
            usage("cannot read data file " + args[1]);
        }

        CMSSignedData signed;
        List<X509Certificate> cas = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter()
                .setProvider(BouncyCastleProvider.PROVIDER_NAME);
        try {
            byte[] sig = derOrPem(Files.readAllBytes(sigFile.toPath()));
            signed = new CMSSignedData(new CMSProcessableFile(dataFile), sig);
            if (!signed.isDetachedSignature()) {
                /* An attached signature would be verified against its own
                 * eContent, not DATA: refuse rather than mislead. */
                usage("signature is not detached (it encapsulates its content)");
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509", BouncyCastleProvider.PROVIDER_NAME);
            for (int i = 2; i < args.length; i++) {
                try (InputStream in = Files.newInputStream(new File(args[i]).toPath())) {
                    Collection<? extends Certificate> got = cf.generateCertificates(in);
                    if (got.isEmpty()) {
                        usage("no certificate in " + args[i]);
                    }
                    for (Certificate c : got) {
                        cas.add((X509Certificate) c);
                    }
                }
            }
        } catch (Exception e) {
            System.err.println("BcCmsVerify: parse error: " + describe(e));
            System.exit(2);
            return;
        }

        @SuppressWarnings("unchecked")
        Store<X509CertificateHolder> certs = signed.getCertificates();
        SignerInformationStore signers = signed.getSignerInfos();
        if (signers.size() == 0) {
            System.out.println("signers: FAIL no SignerInfo");
            System.exit(1);
        }

        boolean allOk = true;
        int n = 0;
        for (SignerInformation si : signers.getSigners()) {
            n++;
            try {
                @SuppressWarnings("unchecked")
                Collection<X509CertificateHolder> match = certs.getMatches((Selector<X509CertificateHolder>) si.getSID());
                if (match.isEmpty()) {
                    System.out.println("signer " + n + ": FAIL signer certificate not embedded in the SignedData");
                    allOk = false;
                    continue;
                }
                X509CertificateHolder holder = match.iterator().next();
                String alg = "digest " + si.getDigestAlgOID() + ", signature " + si.getEncryptionAlgOID();
                boolean ok;
                try {
                    ok = si.verify(new JcaSimpleSignerInfoVerifierBuilder()
                            .setProvider(BouncyCastleProvider.PROVIDER_NAME).build(holder));
                } catch (Exception e) {
                    System.out.println("signer " + n + ": FAIL " + describe(e) + " [" + alg + "]");
                    allOk = false;
                    continue;
                }
                if (!ok) {
                    System.out.println("signer " + n + ": FAIL signature does not verify [" + alg + "]");
                    allOk = false;
                    continue;
                }
                X509Certificate cert = conv.getCertificate(holder);
                if (!cas.isEmpty()) {
                    StringBuilder path = new StringBuilder();
                    String err = checkChain(cert, cas, path);
                    if (err != null) {
                        System.out.println("signer " + n + ": FAIL chain: " + err);
                        allOk = false;
                        continue;
                    }
                    System.out.println("chain " + n + ": " + path);
                }
                System.out.println("algs " + n + ": " + alg);
                System.out.println("signer " + n + ": OK " + cert.getSubjectX500Principal().getName());
            } catch (Exception e) {
                System.out.println("signer " + n + ": FAIL " + describe(e));
                allOk = false;
            }
        }
        System.exit(allOk ? 0 : 1);
    }
}
