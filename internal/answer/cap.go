package answer

import (
	"errors"
	"fmt"
	"strings"
)

// An answer ends by itself, or Kura ends it: a small model can fall into a
// loop and write the same sentence until someone presses Stop (one wrote
// for 9 minutes). Two limits end it instead, each with a note in the
// answer's language appended to its text (and streamed, so what was shown
// is what is saved): the answer's length (Options.AnswerTokens, sent as
// num_predict) and a loop (the same stretch of text repeated, looping).

// Why an answer was ended by Kura rather than by the model (Answer.Cut).
const (
	CutLength = "length" // it reached Options.AnswerTokens
	CutLoop   = "loop"   // it kept repeating the same text
)

// Loop detection: the last loopWindow characters of the answer occur
// loopRepeats times in it. A sentence repeated ten times, or a syllable
// repeated for a line, is a loop; a table with a repeated cell or a list
// whose items start alike is not, since its last 48 characters differ.
const (
	loopWindow  = 48
	loopRepeats = 10
)

// errLoop stops the stream of an answer caught looping.
var errLoop = errors.New("the answer repeats itself")

// looping reports whether text ends in a loop.
func looping(text string) bool {
	if len(text) < loopWindow*loopRepeats {
		return false
	}
	// The window is counted in characters, cut on a character boundary.
	start := len(text)
	for n := 0; n < loopWindow && start > 0; n++ {
		start--
		for start > 0 && !utf8Start(text[start]) {
			start--
		}
	}
	tail := text[start:]
	if strings.TrimSpace(tail) == "" {
		return false
	}
	return strings.Count(text, tail) >= loopRepeats
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// cutNotes end an answer Kura cut, by language (Language's names) and why.
var cutNotes = map[string]map[string]string{
	CutLength: {
		"English":  "(The answer was cut at its length limit of %d tokens.)",
		"Japanese": "（回答は長さの上限 %d トークンに達したため、ここで打ち切りました。）",
		"Korean":   "(답변이 길이 한도인 %d 토큰에 도달해 여기서 끊었습니다.)",
	},
	CutLoop: {
		"English":  "(The answer was stopped because it kept repeating itself.)",
		"Japanese": "（回答が同じ内容を繰り返したため、ここで止めました。）",
		"Korean":   "(답변이 같은 내용을 반복해서 여기서 멈췄습니다.)",
	},
}

// cutNote is the note for an answer cut for why, in lang.
func cutNote(why, lang string, limit int) string {
	words, ok := cutNotes[why][lang]
	if !ok {
		words = cutNotes[why]["English"]
	}
	if why == CutLength {
		words = fmt.Sprintf(words, limit)
	}
	return "\n\n" + words
}
