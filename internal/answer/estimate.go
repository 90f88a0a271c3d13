package answer

import (
	"time"
	"unicode"
)

// Estimator counts tokens without the model's tokenizer (which lives in the
// runtime, a request away). Its prior is per script, as the byte-level BPE
// vocabularies of small multilingual models cut text: about one token per
// Han, kana or Hangul character, one per digit (Qwen writes digits one by
// one), one per punctuation mark, a third of one per Latin letter, little
// for spaces. Scale is learned per model from the server's own counts
// (Calibrate): 1 (or 0) means the prior.
type Estimator struct {
	Scale float64
}

// Count returns the estimated tokens of s (at least 1 for non-empty s).
func (e Estimator) Count(s string) int {
	if s == "" {
		return 0
	}
	var t float64
	for _, r := range s {
		switch {
		case r < 0x80 && (unicode.IsLetter(r)):
			t += 0.3
		case unicode.IsDigit(r):
			t += 1
		case unicode.IsSpace(r):
			t += 0.15
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			t += 1
		case unicode.Is(unicode.Hangul, r):
			t += 1
		case unicode.IsLetter(r):
			t += 0.6
		default:
			t += 1
		}
	}
	scale := e.Scale
	if scale <= 0 {
		scale = 1
	}
	return int(t*scale) + 1
}

// Calibrate returns a new scale after the server counted actual tokens for
// a prompt estimated at estimated tokens (at scale prev): the first reading
// replaces the prior, later ones move the scale a third of the way, since
// the mix of scripts varies between questions. The scale stays within
// [0.2, 5].
func Calibrate(prev float64, actual, estimated int) float64 {
	if actual <= 0 || estimated <= 0 {
		return prev
	}
	if prev <= 0 {
		prev = 1
	}
	obs := prev * float64(actual) / float64(estimated)
	next := obs
	if prev != 1 {
		next = prev + (obs-prev)/3
	}
	return min(max(next, 0.2), 5)
}

// PrefillRate returns the model's reading speed (prompt tokens per second)
// after the runtime read fresh tokens in d: the first reading replaces the
// unknown (prev 0), later ones move it a third of the way. Readings of fewer
// than 32 tokens or under 50 ms say more about overhead than speed and are
// ignored.
func PrefillRate(prev float64, fresh int, d time.Duration) float64 {
	if fresh < 32 || d < 50*time.Millisecond {
		return prev
	}
	obs := float64(fresh) / d.Seconds()
	if prev <= 0 {
		return obs
	}
	return prev + (obs-prev)/3
}

// FreshBudget is how many fresh prompt tokens a model reading rate tokens a
// second reads in target; 0 (no bound) when the rate is not known yet.
// It aims at BudgetShare of the target: the token estimate is off by up to
// a tenth either way, and the reading speed varies from one question to
// the next (measured with `kura bench --edge`: aiming at the whole target
// put one question in ten 20% over it). It is never below 200: a question
// needs a few sentences of evidence even on the slowest machine.
func FreshBudget(rate float64, target time.Duration) int {
	if rate <= 0 || target <= 0 {
		return 0
	}
	return max(int(rate*target.Seconds()*BudgetShare), 200)
}

// BudgetShare is the part of the first-token target the fresh prompt is
// planned to take (see FreshBudget).
const BudgetShare = 0.85
