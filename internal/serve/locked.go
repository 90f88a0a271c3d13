package serve

import (
	"html/template"
	"net/http"

	"github.com/kura-app/kura/app"
	"golang.org/x/text/language"
)

// lockedWords are the words of the page a browser gets without the token
// (a bookmark of an earlier start, a cookie from before a restart), in the
// page's languages. Each names what to do, since the page itself cannot
// let anyone in.
var lockedWords = map[language.Tag]struct {
	Title, Why, HowIntro, Again, Printed, File string
}{
	language.English: {
		Title:    "Kura needs its key",
		Why:      "This address is served by kura serve, which asks every browser for a key. This browser has none, or one from an earlier start: each start makes a new key unless one was fixed.",
		HowIntro: "To get in, any of these:",
		Again:    "Run kura serve again in a terminal: it opens this page with a new key.",
		Printed:  "Open the address kura serve printed when it started (it ends with ?token=…).",
		File:     "If it was started with --token-file FILE or KURA_TOKEN, open this address with ?token= followed by that token.",
	},
	language.Japanese: {
		Title:    "Kura の鍵が必要です",
		Why:      "このアドレスは kura serve が提供しており、ブラウザーごとに鍵を求めます。このブラウザーには鍵がないか、以前の起動時の鍵しかありません。鍵を固定しない限り、起動のたびに新しい鍵が作られます。",
		HowIntro: "次のいずれかの方法で開けます。",
		Again:    "ターミナルで kura serve をもう一度実行してください。新しい鍵でこのページが開きます。",
		Printed:  "kura serve が起動時に表示したアドレス（末尾が ?token=… のもの）を開いてください。",
		File:     "--token-file FILE または KURA_TOKEN で起動した場合は、このアドレスの後に ?token= とその鍵を付けて開いてください。",
	},
	language.Korean: {
		Title:    "Kura 열쇠가 필요합니다",
		Why:      "이 주소는 kura serve가 제공하며, 브라우저마다 열쇠를 요구합니다. 이 브라우저에는 열쇠가 없거나 이전 실행 때의 열쇠만 있습니다. 열쇠를 고정하지 않으면 실행할 때마다 새 열쇠가 만들어집니다.",
		HowIntro: "다음 중 한 가지 방법으로 들어갈 수 있습니다.",
		Again:    "터미널에서 kura serve를 다시 실행하세요. 새 열쇠로 이 페이지가 열립니다.",
		Printed:  "kura serve가 시작할 때 표시한 주소(?token=…으로 끝나는 주소)를 여세요.",
		File:     "--token-file FILE 또는 KURA_TOKEN으로 시작했다면 이 주소 뒤에 ?token=과 그 열쇠를 붙여 여세요.",
	},
}

var lockedLangs = language.NewMatcher([]language.Tag{language.English, language.Japanese, language.Korean})

var lockedPage = template.Must(template.New("locked").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.W.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>{{.W.Title}}</h1>
<p>{{.W.Why}}</p>
<p>{{.W.HowIntro}}</p>
<ul><li>{{.W.Again}}</li><li>{{.W.Printed}}</li><li>{{.W.File}}</li></ul>
</body></html>
`))

// writeLocked answers a page request without the token: 401 with a page,
// in the language the browser prefers among English, Japanese and Korean,
// that says how to get in.
func writeLocked(w http.ResponseWriter, r *http.Request) {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := lockedLangs.Match(tags...)
	lang := []language.Tag{language.English, language.Japanese, language.Korean}[i]
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", app.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Language")
	w.WriteHeader(http.StatusUnauthorized)
	if r.Method == http.MethodHead {
		return
	}
	lockedPage.Execute(w, struct {
		Lang string
		W    any
	}{lang.String(), lockedWords[lang]})
}
