package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the table. glossa and ref are what was measured
// (ref empty for rows with no reference); value is the ratio or the
// figure the goal is about.
type row struct {
	metric, glossa, ref, value, goal, met string
}

func skipped(metric, goal, why string) row {
	return row{metric: metric, glossa: why, ref: "", value: "", goal: goal, met: "not measured"}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

var header = row{"metric", "glossa", "reference", "ratio or value", "goal", "met?"}

func (r row) cells() []string { return []string{r.metric, r.glossa, r.ref, r.value, r.goal, r.met} }

func textTable(rows []row) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range append([]row{header}, rows...) {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
	}
	tw.Flush()
	return b.String()
}

func markdownTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header.cells(), " | ") + " |\n")
	b.WriteString(strings.Repeat("| --- ", len(header.cells())) + "|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r.cells(), " | ") + " |\n")
	}
	return b.String()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank percentile p (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
