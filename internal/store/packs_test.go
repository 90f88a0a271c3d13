package store

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/kura-app/kura/internal/tokenize"
)

// copyCollection copies collection name from src into dst through a
// Snapshot and an Import, as a pack does, and returns what Commit did.
func copyCollection(t *testing.T, src, dst *Store, name string, o ImportOptions) (Collection, Collection, error) {
	t.Helper()
	ctx := context.Background()
	x, err := src.Snapshot(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	c := x.Collection()
	o.VectorModel, o.VectorDim = c.EmbedModel, c.EmbedDim
	im, err := dst.BeginImport(ctx, o)
	if err != nil {
		return Collection{}, Collection{}, err
	}
	defer im.Rollback()
	docNum, chunkNum := map[int64]int64{}, map[int64]int64{}
	if err := x.EachDocument(ctx, func(d Document) error {
		n, err := im.Document(d)
		docNum[d.ID] = n
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := x.EachPage(ctx, func(doc int64, p Page) error { return im.Page(docNum[doc], p) }); err != nil {
		t.Fatal(err)
	}
	if err := x.EachChunk(ctx, func(k Chunk) error {
		n, err := im.Chunk(docNum[k.DocID], NewChunk{Page: k.Page, Start: k.Start, End: k.End, Text: k.Text, Terms: tokenize.IndexText(k.Text)})
		chunkNum[k.ID] = n
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := x.EachVector(ctx, func(v Vector) error { return im.Vector(chunkNum[v.ChunkID], v.Vec) }); err != nil {
		t.Fatal(err)
	}
	return im.Commit()
}

func TestACollectionCopiedThroughASnapshotAndAnImportSearchesTheSame(t *testing.T) {
	ctx := context.Background()
	src, c := openTest(t)
	ids := putTexts(t, src, c, "/docs/a.txt", "東京の天気は晴れ", "서울의 날씨는 맑음", "weather report ID-42")
	putTexts(t, src, c, "/docs/b.txt", "大阪の天気は雨")
	set, err := src.EnsureVectorSet(ctx, c.ID, "m", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.SetVectors(ctx, set.ID, []Vector{{ids[0], []float32{1, 0}}, {ids[1], []float32{0, 1}}}); err != nil {
		t.Fatal(err)
	}
	dst, other := openTest(t)
	putTexts(t, dst, other, "/x.txt", "unrelated") // ids already in use

	got, replaced, err := copyCollection(t, src, dst, "default", ImportOptions{Name: "copy", EmbedModel: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if replaced.ID != 0 || got.Name != "copy" || got.Documents != 2 || got.Chunks != 4 || got.Vectors != 2 || got.EmbedModel != "m" {
		t.Fatalf("imported %+v (replaced %+v)", got, replaced)
	}
	if err := dst.Check(ctx); err != nil {
		t.Fatal(err)
	}
	cc, err := dst.Collection(ctx, "copy")
	if err != nil || cc.ChosenEmbedModel != "m" || cc.ActiveSet == 0 || cc.Vectors != 2 {
		t.Fatalf("copy reads back as %+v, %v", cc, err)
	}
	for _, q := range []string{"天気", "날씨", "ID-42"} {
		a, _ := src.SearchLexical(ctx, c.ID, tokenize.MatchQuery(q), 10)
		b, _ := dst.SearchLexical(ctx, cc.ID, tokenize.MatchQuery(q), 10)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%q: %d hits in the source, %d in the copy", q, len(a), len(b))
		}
		for i := range a {
			ca, _ := src.Chunks(ctx, []int64{a[i].ChunkID})
			cb, _ := dst.Chunks(ctx, []int64{b[i].ChunkID})
			if a[i].Score != b[i].Score || ca[0].Text != cb[0].Text || ca[0].Path != cb[0].Path {
				t.Errorf("%q hit %d: %+v %+v, copy %+v %+v", q, i, a[i], ca[0], b[i], cb[0])
			}
		}
	}
	if va, vb := vectorsOf(t, src, set.ID), vectorsOf(t, dst, cc.ActiveSet); len(vb) != 2 || !reflect.DeepEqual(sortedVals(va), sortedVals(vb)) {
		t.Errorf("vectors %v, copy %v", va, vb)
	}
	// Chunk ids are never reused: the copy's come after every id dst used.
	if hits, _ := dst.SearchLexical(ctx, other.ID, tokenize.MatchQuery("unrelated"), 1); len(hits) != 1 {
		t.Fatal("the other collection lost its chunk")
	}
}

func sortedVals(m map[int64][]float32) [][]float32 {
	var out [][]float32
	for _, v := range m {
		out = append(out, v)
	}
	if len(out) == 2 && out[0][0] < out[1][0] {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

func TestAnImportOverAnExistingNameNeedsReplaceAndRollsBackWhole(t *testing.T) {
	ctx := context.Background()
	src, c := openTest(t)
	putTexts(t, src, c, "/docs/new.txt", "新しい版")
	dst, old := openTest(t)
	putTexts(t, dst, old, "/docs/old.txt", "古い版")

	if _, _, err := copyCollection(t, src, dst, "default", ImportOptions{Name: "default"}); !errors.Is(err, ErrExists) {
		t.Fatalf("import over an existing name: %v, want ErrExists", err)
	}
	// An import abandoned before Commit leaves everything as it was.
	im, err := dst.BeginImport(ctx, ImportOptions{Name: "default", Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Document(Document{Path: "/docs/half.txt", Status: StatusLexical}); err != nil {
		t.Fatal(err)
	}
	im.Rollback()
	if docs, _ := dst.Documents(ctx, old.ID, ""); len(docs) != 1 || docs[0].Path != "/docs/old.txt" {
		t.Fatalf("after a rolled back import: %+v", docs)
	}
	got, replaced, err := copyCollection(t, src, dst, "default", ImportOptions{Name: "default", Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if replaced.ID != old.ID || got.Name != "default" {
		t.Errorf("replaced %+v by %+v; want the old collection replaced", replaced, got)
	}
	if err := dst.Check(ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := dst.Documents(ctx, got.ID, "")
	if len(docs) != 1 || docs[0].Path != "/docs/new.txt" {
		t.Fatalf("after replacing: %+v", docs)
	}
	if hits, _ := dst.SearchLexical(ctx, got.ID, tokenize.MatchQuery("古い"), 5); len(hits) != 0 {
		t.Error("the replaced collection's text still matches")
	}
}
