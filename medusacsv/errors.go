package medusacsv

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/commercekit/pricing"
)

// Problem is one bad header, row or cell of a file.
type Problem struct {
	// Line is the line of the problem, 1-based; the header is line 1.
	Line int `json:"line"`
	// Column is the column of the problem, 1-based, and Header its header as the file
	// writes it; 0 and "" when the problem is the whole row or file.
	Column int    `json:"column,omitempty"`
	Header string `json:"header,omitempty"`
	Reason string `json:"reason"`
}

// String returns the problem as a spreadsheet user reads it:
// `line 3, column C (Price USD): "12,50" is not an amount`.
func (p Problem) String() string {
	if p.Column == 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	return fmt.Sprintf("line %d, column %s (%s): %s", p.Line, ColumnLetters(p.Column), p.Header, p.Reason)
}

// ColumnLetters returns the letters a spreadsheet shows for the 1-based column n:
// A for 1, Z for 26, AA for 27.
func ColumnLetters(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append(b, byte('A'+n%26))
		n /= 26
	}
	slices.Reverse(b)
	return string(b)
}

// Error reports every problem of a file, in line and column order. It matches
// pricing.ErrInvalid with errors.Is; nothing was written.
type Error struct {
	Problems []Problem
}

// maxErrorProblems is how many problems Error's message lists; Problems holds them all.
const maxErrorProblems = 20

// Error lists the problems, the first 20 of them when there are more.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "medusacsv: %d problem(s), nothing written:", len(e.Problems))
	for i, p := range e.Problems {
		if i == maxErrorProblems {
			fmt.Fprintf(&b, "\n\tand %d more", len(e.Problems)-i)
			break
		}
		b.WriteString("\n\t" + p.String())
	}
	return b.String()
}

// Is reports whether target is pricing.ErrInvalid.
func (e *Error) Is(target error) bool { return target == pricing.ErrInvalid }

// problems collects the problems of a file.
type problems []Problem

func (ps *problems) add(line, column int, header, format string, args ...any) {
	*ps = append(*ps, Problem{Line: line, Column: column, Header: header, Reason: fmt.Sprintf(format, args...)})
}

// err returns nil, or an *Error with the problems sorted and without repeats (a
// header's problem found once per row is reported once).
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &Error{Problems: slices.Compact(out)}
}
