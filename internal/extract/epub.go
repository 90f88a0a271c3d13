package extract

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// streamEPUB reads an EPUB book: the package document named by
// META-INF/container.xml, then every XHTML or HTML document of its spine in
// reading order, as one Page with chapters separated by paragraph breaks
// (in sections when long). Books whose chapters are encrypted (DRM) fail
// with ErrEncrypted; font obfuscation, which EPUB also records as
// encryption, is ignored. A chapter is parsed whole, up to maxMarkupBytes.
func streamEPUB(ctx context.Context, p string, opts Options, emit func(Page) error) (string, error) {
	z, err := openZip(p, opts)
	if err != nil {
		return "", fmt.Errorf("epub: %w", err)
	}
	defer z.Close()

	opfPath, err := epubRootfile(z)
	if err != nil {
		return "", fmt.Errorf("epub: %w", err)
	}
	data, err := z.read(opfPath)
	if err != nil {
		return "", fmt.Errorf("epub: %w", err)
	}
	var opf struct {
		Titles []string `xml:"metadata>title"`
		Items  []struct {
			ID        string `xml:"id,attr"`
			Href      string `xml:"href,attr"`
			MediaType string `xml:"media-type,attr"`
		} `xml:"manifest>item"`
		Spine []struct {
			IDRef string `xml:"idref,attr"`
		} `xml:"spine>itemref"`
	}
	if err := xml.Unmarshal(data, &opf); err != nil {
		return "", fmt.Errorf("epub: parse %s: %v: %w", opfPath, err, ErrCorrupt)
	}
	base := path.Dir(opfPath)
	hrefs := map[string]string{}
	for _, it := range opf.Items {
		if !isHTMLMedia(it.MediaType, it.Href) {
			continue
		}
		href, err := url.PathUnescape(it.Href)
		if err != nil {
			href = it.Href
		}
		href, _, _ = strings.Cut(href, "#")
		hrefs[it.ID] = resolvePart(base, href)
	}
	encrypted := epubEncrypted(z)

	title := ""
	if len(opf.Titles) > 0 {
		title = opf.Titles[0]
	}
	out := &paragraphs{sec: newSectioner(opts.SectionBytes, emit)}
	seen := map[string]bool{}
	for _, ref := range opf.Spine {
		if err := checkpoint(ctx); err != nil {
			return "", fmt.Errorf("epub: %w", err)
		}
		part, ok := hrefs[ref.IDRef]
		if !ok || seen[part] || !z.has(part) {
			continue
		}
		seen[part] = true
		if encrypted[strings.ToLower(part)] {
			return "", fmt.Errorf("epub: chapters are DRM-protected: %w", ErrEncrypted)
		}
		data, err := z.readLimited(part, maxMarkupBytes, false)
		if err != nil {
			return "", fmt.Errorf("epub: %w", err)
		}
		_, text, err := xhtmlText(data)
		if err != nil {
			return "", fmt.Errorf("epub: %s: %w", part, err)
		}
		if strings.TrimSpace(text) != "" {
			if err := out.add(text); err != nil {
				return "", err
			}
		}
	}
	if len(seen) == 0 {
		return "", fmt.Errorf("epub: the spine lists no readable chapter: %w", ErrCorrupt)
	}
	return title, out.sec.Close()
}

// epubRootfile finds the package document through META-INF/container.xml.
func epubRootfile(z *zipDoc) (string, error) {
	if !z.has("META-INF/container.xml") {
		return "", fmt.Errorf("not an EPUB (no META-INF/container.xml): %w", ErrCorrupt)
	}
	data, err := z.read("META-INF/container.xml")
	if err != nil {
		return "", err
	}
	var c struct {
		Rootfiles []struct {
			FullPath  string `xml:"full-path,attr"`
			MediaType string `xml:"media-type,attr"`
		} `xml:"rootfiles>rootfile"`
	}
	if err := xml.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("parse META-INF/container.xml: %v: %w", err, ErrCorrupt)
	}
	for _, r := range c.Rootfiles {
		if r.MediaType == "" || r.MediaType == "application/oebps-package+xml" {
			if p := resolvePart("", r.FullPath); z.has(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("not an EPUB (no package document): %w", ErrCorrupt)
}

func isHTMLMedia(mediaType, href string) bool {
	switch mediaType {
	case "application/xhtml+xml", "text/html", "application/x-dtbook+xml":
		return true
	}
	ext := strings.ToLower(path.Ext(href))
	return mediaType == "" && (ext == ".xhtml" || ext == ".html" || ext == ".htm")
}

// epubEncrypted lists the resources META-INF/encryption.xml marks as
// encrypted, except obfuscated fonts. Keys are lower-case paths.
func epubEncrypted(z *zipDoc) map[string]bool {
	out := map[string]bool{}
	if !z.has("META-INF/encryption.xml") {
		return out
	}
	data, err := z.read("META-INF/encryption.xml")
	if err != nil {
		return out
	}
	var enc struct {
		Data []struct {
			Method struct {
				Algorithm string `xml:"Algorithm,attr"`
			} `xml:"EncryptionMethod"`
			Ref struct {
				URI string `xml:"URI,attr"`
			} `xml:"CipherData>CipherReference"`
		} `xml:"EncryptedData"`
	}
	if xml.Unmarshal(data, &enc) != nil {
		return out
	}
	for _, d := range enc.Data {
		alg := d.Method.Algorithm
		if strings.Contains(alg, "idpf.org/2008/embedding") || strings.Contains(alg, "ns.adobe.com/pdf/enc#RC") {
			continue // font obfuscation
		}
		uri, err := url.PathUnescape(d.Ref.URI)
		if err != nil {
			uri = d.Ref.URI
		}
		out[strings.ToLower(resolvePart("", uri))] = true
	}
	return out
}
