package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// StripMetadata returns the photo without its metadata (EXIF with GPS
// positions, maker notes and serial numbers, XMP, IPTC, comments), its
// pixels untouched: the compressed image data is copied byte for byte. The
// orientation survives, as a minimal EXIF holding that one tag, so the
// photo still displays upright; colour profiles stay. HEIF keeps its
// structure: its Exif item is overwritten in place with an empty EXIF (its
// orientation lives in the container's own properties). A file whose
// container cannot be walked is an *Error (CodeUnreadable).
func StripMetadata(data []byte, info Info) ([]byte, error) {
	var out []byte
	var err error
	switch info.Format {
	case JPEG:
		out, err = stripJPEG(data, info.Orientation)
	case PNG:
		out, err = stripPNG(data, info.Orientation)
	case WebP:
		out, err = stripWebP(data, info.Orientation)
	case HEIF:
		out, err = stripHEIF(data)
	default:
		return nil, inputError(CodeUnsupported, "cannot strip the metadata of %q", info.Format)
	}
	if err != nil {
		return nil, inputError(CodeUnreadable, "the %s file's structure is damaged: %v", info.Format, err)
	}
	return out, nil
}

var errTruncated = errors.New("truncated")

// minimalEXIF is a TIFF structure (big-endian) with one IFD holding the
// orientation, or none when orientation is 1.
func minimalEXIF(orientation int) []byte {
	var b bytes.Buffer
	b.WriteString("MM\x00\x2a\x00\x00\x00\x08")
	if orientation < 2 || orientation > 8 {
		b.Write([]byte{0, 0, 0, 0, 0, 0}) // no entries, no next IFD
		return b.Bytes()
	}
	b.Write([]byte{0, 1})                       // one entry
	b.Write([]byte{0x01, 0x12, 0x00, 0x03})     // Orientation, SHORT
	b.Write([]byte{0, 0, 0, 1})                 // count 1
	b.Write([]byte{0, byte(orientation), 0, 0}) // value, left-justified
	b.Write([]byte{0, 0, 0, 0})                 // no next IFD
	return b.Bytes()
}

// stripJPEG keeps SOI, APP0 (JFIF), ICC profiles in APP2, APP14 (Adobe:
// needed to decode CMYK), the tables and frame headers, and everything from
// SOS on; it drops APP1 (EXIF, XMP), other APPn and COM segments, and adds
// an EXIF APP1 with the orientation when it is not 1.
func stripJPEG(data []byte, orientation int) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("no JPEG start")
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, 0xD8)
	if orientation > 1 && orientation <= 8 {
		payload := append([]byte("Exif\x00\x00"), minimalEXIF(orientation)...)
		out = append(out, 0xFF, 0xE1, byte((len(payload)+2)>>8), byte(len(payload)+2))
		out = append(out, payload...)
	}
	i := 2
	for {
		if i+4 > len(data) {
			return nil, errTruncated
		}
		if data[i] != 0xFF {
			return nil, errors.New("marker expected")
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD9 { // EOI without a scan
			return append(out, data[i:]...), nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil, errTruncated
		}
		seg := data[i : i+2+n]
		keep := true
		switch {
		case m == 0xE0: // JFIF, JFXX
		case m == 0xE2:
			keep = bytes.HasPrefix(seg[4:], []byte("ICC_PROFILE\x00"))
		case m == 0xEE: // Adobe
		case m >= 0xE1 && m <= 0xEF, m == 0xFE:
			keep = false
		}
		if keep {
			out = append(out, seg...)
		}
		i += 2 + n
		if m == 0xDA { // SOS: the scans and the rest are image data
			return append(out, data[i:]...), nil
		}
	}
}

// pngKeep are the PNG chunks that carry the image or its colour; every
// other ancillary chunk (text, time, EXIF, private ones) is dropped.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true, "tRNS": true, "gAMA": true, "cHRM": true,
	"sRGB": true, "iCCP": true, "sBIT": true, "pHYs": true, "bKGD": true, "acTL": true, "fcTL": true, "fdAT": true, "cICP": true,
}

func stripPNG(data []byte, orientation int) ([]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return nil, errors.New("no PNG signature")
	}
	out := make([]byte, 0, len(data))
	out = append(out, sig...)
	for i := len(sig); i < len(data); {
		if i+12 > len(data) {
			return nil, errTruncated
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n < 0 || i+12+n > len(data) {
			return nil, errTruncated
		}
		typ := string(data[i+4 : i+8])
		if typ == "IDAT" && orientation > 1 && orientation <= 8 && !bytes.Contains(out, []byte("eXIf")) {
			out = appendPNGChunk(out, "eXIf", minimalEXIF(orientation))
		}
		if pngKeep[typ] {
			out = append(out, data[i:i+12+n]...)
		}
		i += 12 + n
		if typ == "IEND" {
			break
		}
	}
	return out, nil
}

func appendPNGChunk(out []byte, typ string, payload []byte) []byte {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)))
	out = append(out, n[:]...)
	start := len(out)
	out = append(out, typ...)
	out = append(out, payload...)
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], crc32.ChecksumIEEE(out[start:]))
	return append(out, crc[:]...)
}

// stripWebP drops the EXIF and XMP chunks of a WebP file (adding a minimal
// EXIF with the orientation when it is not 1) and fixes the extended
// header's flags and the RIFF size.
func stripWebP(data []byte, orientation int) ([]byte, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("no RIFF WEBP header")
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:12]...)
	vp8x := -1
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return nil, errTruncated
		}
		typ := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		padded := n + n&1
		if n < 0 || i+8+padded > len(data) {
			if i+8+n == len(data) { // an unpadded last chunk
				padded = n
			} else {
				return nil, errTruncated
			}
		}
		switch typ {
		case "EXIF", "XMP ":
		default:
			if typ == "VP8X" {
				vp8x = len(out)
			}
			out = append(out, data[i:i+8+padded]...)
		}
		i += 8 + padded
	}
	if vp8x >= 0 && vp8x+9 <= len(out) {
		out[vp8x+8] &^= 0x08 | 0x04 // EXIF and XMP flags
		if orientation > 1 && orientation <= 8 {
			out[vp8x+8] |= 0x08
			exif := minimalEXIF(orientation)
			var hdr [8]byte
			copy(hdr[:], "EXIF")
			binary.LittleEndian.PutUint32(hdr[4:], uint32(len(exif)))
			out = append(out, hdr[:]...)
			out = append(out, exif...)
			if len(exif)&1 == 1 {
				out = append(out, 0)
			}
		}
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// stripHEIF finds the Exif and XMP items of a HEIF file (meta → iinf for
// their IDs, iloc for where they are) and overwrites each in place, with an
// empty EXIF or zeros, so that no offset in the file moves.
func stripHEIF(data []byte) ([]byte, error) {
	meta, ok := findBox(data, 0, len(data), "meta")
	if !ok {
		return append([]byte(nil), data...), nil // no metadata box: nothing to strip
	}
	body := meta.start + 4 // full box: version and flags
	iinf, ok := findBox(data, body, meta.end, "iinf")
	iloc, ok2 := findBox(data, body, meta.end, "iloc")
	if !ok || !ok2 {
		return append([]byte(nil), data...), nil
	}
	ids, err := exifItems(data, iinf)
	if err != nil || len(ids) == 0 {
		return append([]byte(nil), data...), err
	}
	extents, err := itemExtents(data, iloc, ids)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), data...)
	empty := append([]byte{0, 0, 0, 0}, minimalEXIF(1)...) // exif_tiff_header_offset 0, then TIFF
	for _, e := range extents {
		if e.off < 0 || e.n < 0 || e.off+e.n > len(out) {
			return nil, errTruncated
		}
		region := out[e.off : e.off+e.n]
		clear(region)
		if e.exif {
			copy(region, empty)
		}
	}
	return out, nil
}

type box struct{ start, end int } // the box's payload

func findBox(data []byte, from, to int, typ string) (box, bool) {
	for i := from; i+8 <= to; {
		size := int(binary.BigEndian.Uint32(data[i:]))
		hdr := 8
		if size == 1 {
			if i+16 > to {
				return box{}, false
			}
			size = int(binary.BigEndian.Uint64(data[i+8:]))
			hdr = 16
		} else if size == 0 {
			size = to - i
		}
		if size < hdr || i+size > to {
			return box{}, false
		}
		if string(data[i+4:i+8]) == typ {
			return box{i + hdr, i + size}, true
		}
		i += size
	}
	return box{}, false
}

// exifItems lists the IDs of the metadata items in an iinf box: type
// "Exif", and XMP (type "mime" with an RDF/XML content type).
func exifItems(data []byte, iinf box) (map[uint32]bool, error) {
	p := iinf.start
	if p+4 > iinf.end {
		return nil, errTruncated
	}
	version := data[p]
	p += 4
	if version == 0 {
		p += 2
	} else {
		p += 4
	}
	ids := map[uint32]bool{} // ID to whether it is EXIF (else XMP)
	for p+8 <= iinf.end {
		size := int(binary.BigEndian.Uint32(data[p:]))
		if size < 8 || p+size > iinf.end {
			return nil, errTruncated
		}
		if string(data[p+4:p+8]) == "infe" && size >= 20 {
			v := data[p+8]
			q := p + 12
			var id uint32
			if v >= 3 {
				id = binary.BigEndian.Uint32(data[q:])
				q += 4
			} else {
				id = uint32(binary.BigEndian.Uint16(data[q:]))
				q += 2
			}
			q += 2 // protection index
			if v >= 2 && q+4 <= p+size {
				typ := string(data[q : q+4])
				rest := data[q+4 : p+size]
				switch {
				case typ == "Exif":
					ids[id] = true
				case typ == "mime" && (bytes.Contains(rest, []byte("rdf+xml")) || bytes.Contains(rest, []byte("xmp"))):
					ids[id] = false
				}
			}
		}
		p += size
	}
	return ids, nil
}

type extent struct {
	off, n int
	exif   bool
}

// itemExtents reads the file extents of the given items from an iloc box
// (construction method 0: offsets in the file).
func itemExtents(data []byte, iloc box, ids map[uint32]bool) ([]extent, error) {
	p := iloc.start
	if p+6 > iloc.end {
		return nil, errTruncated
	}
	version := data[p]
	p += 4
	offSize, lenSize := int(data[p]>>4), int(data[p]&15)
	baseSize, idxSize := int(data[p+1]>>4), 0
	if version == 1 || version == 2 {
		idxSize = int(data[p+1] & 15)
	}
	p += 2
	read := func(n int) (int, error) {
		if p+n > iloc.end {
			return 0, errTruncated
		}
		var v uint64
		for k := 0; k < n; k++ {
			v = v<<8 | uint64(data[p+k])
		}
		p += n
		return int(v), nil
	}
	var count int
	var err error
	if version < 2 {
		count, err = read(2)
	} else {
		count, err = read(4)
	}
	if err != nil {
		return nil, err
	}
	var out []extent
	for range count {
		var id int
		if version < 2 {
			id, err = read(2)
		} else {
			id, err = read(4)
		}
		if err != nil {
			return nil, err
		}
		method := 0
		if version == 1 || version == 2 {
			m, err := read(2)
			if err != nil {
				return nil, err
			}
			method = m & 15
		}
		if _, err := read(2); err != nil { // data reference index
			return nil, err
		}
		base, err := read(baseSize)
		if err != nil {
			return nil, err
		}
		n, err := read(2)
		if err != nil {
			return nil, err
		}
		for range n {
			if _, err := read(idxSize); err != nil {
				return nil, err
			}
			off, err := read(offSize)
			if err != nil {
				return nil, err
			}
			length, err := read(lenSize)
			if err != nil {
				return nil, err
			}
			if exif, ok := ids[uint32(id)]; ok && method == 0 {
				out = append(out, extent{off: base + off, n: length, exif: exif})
			}
		}
	}
	return out, nil
}
