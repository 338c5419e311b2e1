/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PdfBoxExtract: reads a signed PDF with Apache PDFBox (an independent PDF parser) and writes,
 * for signature N (1-based, PDFBox's order), the CMS from /Contents and the bytes /ByteRange
 * covers, so that BcCmsVerify can check SM2 signatures no PDF reader on Debian checks.
 *
 * Usage: java -cp pdfbox2.jar:fontbox2.jar:commons-logging.jar:<classdir> PdfBoxExtract FILE.pdf N SIG.p7s DATA
 * Exit status: 0 written, 1 no such signature, 2 usage or read error.
 */
import java.io.File;
import java.nio.file.Files;
import java.util.List;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;

public final class PdfBoxExtract {
    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: PdfBoxExtract FILE.pdf N SIG.p7s DATA");
            System.exit(2);
        }
        try {
            File f = new File(args[0]);
            byte[] all = Files.readAllBytes(f.toPath());
            int n = Integer.parseInt(args[1]);
            try (PDDocument doc = PDDocument.load(f)) {
                List<PDSignature> sigs = doc.getSignatureDictionaries();
                if (n < 1 || n > sigs.size()) {
                    System.err.println("PdfBoxExtract: the file has " + sigs.size() + " signatures");
                    System.exit(1);
                }
                PDSignature s = sigs.get(n - 1);
                int[] br = s.getByteRange();
                System.out.println("subfilter=" + s.getSubFilter() + " byterange=" + br[0] + "," + br[1] + ","
                                   + br[2] + "," + br[3] + " covers_all=" + (br[2] + br[3] == all.length));
                Files.write(new File(args[2]).toPath(), s.getContents(all));
                Files.write(new File(args[3]).toPath(), s.getSignedContent(all));
            }
        } catch (Exception e) {
            System.err.println("PdfBoxExtract: " + e);
            System.exit(2);
        }
    }
}
