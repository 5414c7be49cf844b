package memory_test

import (
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
	"github.com/commercekit/pricing/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store { return memory.New() })
}

// The suite's CandidateReader rules, on the reference CandidateReader of storetest.
func TestConformanceWithCandidateReader(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store { return storetest.WithCandidateReader(memory.New()) })
}
