// SPDX-License-Identifier: Apache-2.0

// goverify checks an eseal audit log with Go's golang.org/x/mod/sumdb/{note,tlog}
// (Debian's golang-golang-x-mod-dev), code eseal shares nothing with.
//
//	goverify -vkey VKEY -dir EXPORT [-old CHECKPOINT:PROOF]... [-receipt FILE]...
//
// It opens DIR/checkpoint with note.Open; rebuilds the tree from the entry bundles
// (tlog.RecordHash, tlog.StoredHashes) and requires the checkpoint's root; requires every
// hash tile eseal wrote to be tlog.ReadTileData's tile; checks each older checkpoint
// (note.Open) and eseal's consistency proof from it with tlog.CheckTree; and checks each
// receipt (C2SP tlog-proof) with note.Open and tlog.CheckRecord. Every check is also run
// once with one proof hash changed, and must then fail. Debian 12's x/mod (v0.7.0) gives
// the empty tree the zero hash, not SHA-256(""): size 0 is handled apart.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

var checks int

func ok(format string, a ...interface{}) {
	checks++
	fmt.Printf("ok: "+format+"\n", a...)
}

func fail(format string, a ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", a...)
	os.Exit(1)
}

func openCheckpoint(msg []byte, v note.Verifier) (checkpoint, *note.Note) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root %q: %v", lines[2], err)
	}
	return checkpoint{lines[0], size, root}, n
}

// tilePath is C2SP tlog-tiles' path: N in 3-digit groups, all but the last with an x.
func tilePath(level string, n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	p := "tile/" + level + "/" + s
	if w < 256 {
		p += fmt.Sprintf(".p/%d", w)
	}
	return p
}

type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m)) {
			return nil, errors.New("hash index out of range")
		}
		out[i] = m[x]
	}
	return out, nil
}

func treeHash(size int64, r tlog.HashReader) tlog.Hash {
	if size == 0 {
		return tlog.Hash(sha256.Sum256(nil)) // x/mod v0.7.0 says zero; RFC 6962 says SHA-256("")
	}
	h, err := tlog.TreeHash(size, r)
	if err != nil {
		fail("TreeHash(%d): %v", size, err)
	}
	return h
}

func readEntries(dir string, size int64) [][]byte {
	var entries [][]byte
	for n := int64(0); n*256 < size; n++ {
		w := int(size - n*256)
		if w > 256 {
			w = 256
		}
		data, err := os.ReadFile(filepath.Join(dir, tilePath("entries", n, w)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		for len(data) > 0 {
			if len(data) < 2 {
				fail("bundle %d: truncated length", n)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("bundle %d: truncated entry", n)
			}
			entries = append(entries, data[2:2+l])
			data = data[2+l:]
		}
	}
	if int64(len(entries)) != size {
		fail("bundles hold %d entries, the checkpoint says %d", len(entries), size)
	}
	return entries
}

func decodeProof(text string) []tlog.Hash {
	var p []tlog.Hash
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if l == "" {
			continue
		}
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("proof hash %q: %v", l, err)
		}
		p = append(p, h)
	}
	return p
}

func checkReceipt(path string, v note.Verifier) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 4 || lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "extra ") ||
		!strings.HasPrefix(lines[2], "index ") {
		fail("%s: not a tlog-proof with an extra line", path)
	}
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		fail("%s: extra: %v", path, err)
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
	if err != nil {
		fail("%s: index: %v", path, err)
	}
	i := 3
	var proof tlog.RecordProof
	for ; i < len(lines) && lines[i] != ""; i++ {
		h, err := tlog.ParseHash(lines[i])
		if err != nil {
			fail("%s: proof: %v", path, err)
		}
		proof = append(proof, h)
	}
	msg := strings.Join(lines[i+1:], "\n") + "\n"
	cp, _ := openCheckpoint([]byte(msg), v)
	leaf := tlog.RecordHash(entry)
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, leaf); err != nil {
		fail("%s: CheckRecord(index %d, size %d): %v", path, index, cp.size, err)
	}
	if len(proof) > 0 {
		proof[0][0] ^= 1
		if tlog.CheckRecord(proof, cp.size, cp.root, index, leaf) == nil {
			fail("%s: a changed proof still checks", path)
		}
	}
	if !bytes.HasPrefix(entry, []byte("eseal-audit/v1\n")) {
		fail("%s: the entry is not an eseal audit entry", path)
	}
	ok("receipt %s: entry %d in the tree of %d (note.Open, tlog.CheckRecord; a changed proof fails)",
		filepath.Base(path), index, cp.size)
}

func main() {
	vkey := flag.String("vkey", "", "the log's verifier key")
	dir := flag.String("dir", "", "an exported log (eseal log export)")
	var olds, receipts multi
	flag.Var(&olds, "old", "OLD-CHECKPOINT-FILE:PROOF-FILE (eseal log consistency OLD NEW)")
	flag.Var(&receipts, "receipt", "a receipt file")
	flag.Parse()
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(*dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	cp, n := openCheckpoint(msg, v)
	ok("checkpoint: note.Open verifies %s's signature (%d signatures); size %d", n.Sigs[0].Name, len(n.Sigs), cp.size)

	// The tree, rebuilt from the entries alone.
	entries := readEntries(*dir, cp.size)
	var stored memHashes
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, stored)
		if err != nil {
			fail("StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hs...)
	}
	if treeHash(cp.size, stored) != cp.root {
		fail("the root of the %d entries is not the checkpoint's", cp.size)
	}
	ok("the %d entries hash to the checkpoint's root (tlog.TreeHash)", cp.size)

	// Every hash tile eseal wrote is Go's.
	tiles := 0
	for l := 0; l < 8; l++ {
		unit := int64(1) << (8 * uint(l))
		for t := int64(0); t*256*unit < cp.size; t++ {
			w := int((cp.size/unit - t*256))
			if w > 256 {
				w = 256
			}
			if w <= 0 {
				break
			}
			tile := tlog.Tile{H: 8, L: l, N: t, W: w}
			want, err := tlog.ReadTileData(tile, stored)
			if err != nil {
				fail("ReadTileData(%v): %v", tile, err)
			}
			got, err := os.ReadFile(filepath.Join(*dir, tilePath(strconv.Itoa(l), t, w)))
			if err != nil {
				fail("%v", err)
			}
			if !bytes.Equal(got, want) {
				fail("tile %s differs from tlog.ReadTileData", tilePath(strconv.Itoa(l), t, w))
			}
			tiles++
		}
	}
	ok("%d hash tiles are byte for byte tlog.ReadTileData's", tiles)

	// Older checkpoints and eseal's consistency proofs.
	for _, o := range olds {
		parts := strings.SplitN(o, ":", 2)
		om, err := os.ReadFile(parts[0])
		if err != nil {
			fail("%v", err)
		}
		old, _ := openCheckpoint(om, v)
		pt, err := os.ReadFile(parts[1])
		if err != nil {
			fail("%v", err)
		}
		proof := tlog.TreeProof(decodeProof(string(pt)))
		if err := tlog.CheckTree(proof, cp.size, cp.root, old.size, old.root); err != nil {
			fail("CheckTree(%d -> %d): %v", old.size, cp.size, err)
		}
		if treeHash(old.size, stored) != old.root {
			fail("the older checkpoint's root is not the root of its first %d entries", old.size)
		}
		if len(proof) > 0 {
			proof[len(proof)-1][3] ^= 0x40
			if tlog.CheckTree(proof, cp.size, cp.root, old.size, old.root) == nil {
				fail("a changed consistency proof still checks")
			}
		}
		ok("checkpoint %d -> %d: eseal's consistency proof passes tlog.CheckTree (a changed one fails)", old.size,
			cp.size)
	}
	for _, r := range receipts {
		checkReceipt(r, v)
	}
	fmt.Printf("goverify: %d checks passed\n", checks)
}
