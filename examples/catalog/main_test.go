package main

import (
	"bytes"
	"strings"
	"testing"
)

// want is the output of a run on the memory store, without the lines that report times.
const want = `catalog S=1: 10000 variants, 50 customer groups, 100000 customers (75000 in a group, 147000 memberships), 200 price lists
prices: 70000 base, 300500 in lists
store: memory
resolutions at 2026-01-15T12:00:00Z:
  variant_0000007 × 1  usd reg_us, anonymous: 1259 default (bp_0000007_0)
  variant_0000007 × 1  usd reg_us, cus_00000023 [cgrp_00011 cgrp_00049 cgrp_00017]: 932 sale (lp_00061_0000007_0), was 1259 default (bp_0000007_0)
  variant_0000007 × 12 usd reg_us, cus_00000023 [cgrp_00011 cgrp_00049 cgrp_00017]: 885 sale (lp_00061_0000007_1), was 1133 default (bp_0000007_4)
  variant_0000016 × 1  eur reg_de, anonymous: 1067 sale (lp_00068_0000016_2), was 1642 default (bp_0000016_3)
  variant_0000016 × 5  gbp reg_uk, cus_00000005 [cgrp_00035]: 1013 sale (lp_00148_0000016_5), was 1592 default (bp_0000016_2)
  variant_0005665 × 9  eur reg_eu, cus_00097100 []: 3605 default (bp_0005665_1)
  variant_0007628 × 6  eur reg_de, anonymous: 4286 default (bp_0007628_3)
  variant_0007939 × 11 eur reg_eu, cus_00060542 [cgrp_00044 cgrp_00046]: 3715 sale (lp_00037_0007939_3), was 6068 default (bp_0007939_5)
  variant_0004359 × 14 gbp reg_uk, cus_00064533 [cgrp_00031]: 8354 default (bp_0004359_6)
  variant_0008843 × 3  eur reg_eu, cus_00008141 [cgrp_00037]: 2767 sale (lp_00069_0008843_2), was 4191 default (bp_0008843_1)
`

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the catalog at S=1")
	}
	var out bytes.Buffer
	if err := run([]string{"-memory"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := withoutTimes(out.String()); got != want {
		t.Errorf("output without times:\n%s\nwant:\n%s", got, want)
	}
}

func TestBadScale(t *testing.T) {
	if err := run([]string{"-scale", "0"}, new(bytes.Buffer)); err == nil {
		t.Error("-scale 0: no error")
	}
}

func withoutTimes(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if !strings.Contains(line, "time") {
			b.WriteString(line)
		}
	}
	return b.String()
}
