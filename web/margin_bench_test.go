package web

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkReadingPageBytes measures what a signed-in reader's reading
// page weighs (uncompressed HTML) with 0, 1,000 and 10,000 notes visible
// to them: the margins are summaries (margin.go), so the page grows with
// the essay's paragraphs, not with its notes.
//
//	go test ./web -run '^$' -bench ReadingPageBytes -benchtime 1x
func BenchmarkReadingPageBytes(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			app := newApp(b)
			seedNotes(b, app, n)
			reader := app.signUp(b, "reader")
			var size int
			for b.Loop() {
				res := reader.get("/read/" + essaySlug)
				body := readBody(res)
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
