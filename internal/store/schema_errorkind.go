package store

// schemaErrorKind is one migration step (schema version 8): documents keep
// the kind of their failure (Document.ErrorKind: "encrypted", "no_text",
// ...) beside its one-line reason, so that nobody has to recover the kind
// by parsing an English sentence. Documents stored before it get their
// kind from their reason, once, by legacyErrorKind.
var schemaErrorKind = []string{
	`ALTER TABLE documents ADD COLUMN error_kind TEXT NOT NULL DEFAULT ''`,
	`UPDATE documents SET error_kind = ` + legacyErrorKind("error") + ` WHERE error != ''`,
}

// legacyErrorKind is an SQL expression of the kind of the failure reason in
// column col, as ingest told it from the reason before kinds were stored:
// the reasons are ingest's one-line texts of errors wrapping extract's
// sentinels, whose text ends them or, for a size limit, is in them. It is
// frozen with the reasons of that time; it serves the migration and the
// documents of knowledge packs, which carry the reason only. (LIKE ignores
// ASCII case, as the parse did.)
func legacyErrorKind(col string) string {
	r := "trim(" + col + ")"
	return `CASE
		WHEN ` + r + ` = '' THEN ''
		WHEN ` + r + ` LIKE 'needs ocr%' THEN 'needs_ocr'
		WHEN ` + r + ` LIKE '% could not be read%' THEN 'damaged'
		WHEN ` + r + ` LIKE '%encrypted' THEN 'encrypted'
		WHEN ` + r + ` LIKE '%no text' THEN 'no_text'
		WHEN ` + r + ` LIKE '%too large%' THEN 'too_large'
		WHEN ` + r + ` LIKE '%unsupported format' THEN 'unsupported'
		WHEN ` + r + ` LIKE '%corrupt%' THEN 'corrupt'
		WHEN ` + r + ` LIKE 'permission denied' THEN 'permission'
		WHEN ` + r + ` LIKE 'no such file' THEN 'missing'
		WHEN ` + r + ` LIKE 'gave up after%' THEN 'timeout'
		ELSE '' END`
}
