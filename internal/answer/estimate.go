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

// Share is the part of the CPU a model runtime computing on cores threads
// gets while load other tasks are runnable (the load average): the kernel
// shares the cores among all runnable threads, so with load equal to cores
// a prompt is read at about half the idle speed. It is 1 on an idle machine
// and never below 0.05.
func Share(cores int, load float64) float64 {
	if cores <= 0 {
		cores = 1
	}
	if load <= 0 {
		return 1
	}
	return max(float64(cores)/(float64(cores)+load), 0.05)
}

// LoadTime returns the model's load time on an idle machine after the
// runtime reported loading it in d while the machine gave it share of its
// speed (see Share; 0 counts as 1): the first reading replaces the unknown
// (prev 0), later ones move it a third of the way. A load under 100 ms is
// the runtime finding the model already loaded and says nothing.
func LoadTime(prev, d time.Duration, share float64) time.Duration {
	if d < 100*time.Millisecond {
		return prev
	}
	if share > 0 && share < 1 {
		d = time.Duration(float64(d) * share)
	}
	if prev <= 0 {
		return d
	}
	return prev + (d-prev)/3
}

// Speed is what an estimate of the first-token wait knows about the model
// and the machine right now.
type Speed struct {
	// Rate is the model's reading speed (prompt tokens per second) on this
	// machine when idle; 0: unknown.
	Rate float64
	// Share is the part of that speed the machine gives now (see Share):
	// 1 when idle.
	Share float64
	// Loaded is whether the runtime holds the model in memory now (its
	// /api/ps): a model not loaded must be loaded first, and its prompt
	// cache is empty.
	Loaded bool
	// Load is how long loading the model takes (learned with LoadTime,
	// or a prior from its size); it counts only when !Loaded.
	Load time.Duration
}

// Now is the reading speed the machine gives the model now.
func (s Speed) Now() float64 {
	share := s.Share
	if share <= 0 || share > 1 {
		share = 1
	}
	return s.Rate * share
}

// Wait is the expected time from a question to its first token.
type Wait struct {
	// Load is the time to load the model (0 when it is loaded), Read the
	// time to read the fresh prompt tokens at the machine's current speed.
	Load, Read time.Duration
	// Target is the first-token target the prompt was sized to.
	Target time.Duration
}

// Total is the whole expected wait.
func (w Wait) Total() time.Duration { return w.Load + w.Read }

// Over reports whether the wait misses the target by more than a tenth
// (the estimate's own error): the model is loading, the machine is busy, or
// even the evidence floor takes longer to read (see Prepare).
func (w Wait) Over() bool { return w.Target > 0 && w.Total() > w.Target+w.Target/10 }

// Expect is the wait for a prompt of fresh tokens the runtime has not read
// (Prepared.FreshTokens: with a model not loaded, prepared against an empty
// cache, they include the system prompt). An unknown rate gives a zero
// Read.
func (s Speed) Expect(fresh int, target time.Duration) Wait {
	w := Wait{Target: target}
	if !s.Loaded {
		w.Load = s.Load
	}
	if r := s.Now(); r > 0 {
		w.Read = time.Duration(float64(fresh) / r * float64(time.Second))
	}
	return w
}

// Budget is the fresh-token budget (FreshBudget) that keeps the wait within
// target at the machine's current speed: loading the model and reading the
// system prompt into an empty cache come out of the target first. When they
// leave less than a fifth of it, the budget is that of a fifth: the
// evidence is sent anyway, and the wait (Expect) says how long it will be.
func (s Speed) Budget(sys int, target time.Duration) int {
	r := s.Now()
	if r <= 0 || target <= 0 {
		return 0
	}
	left := target
	if !s.Loaded {
		left -= s.Load + time.Duration(float64(sys)/r*float64(time.Second))
	}
	return FreshBudget(r, max(left, target/5))
}
