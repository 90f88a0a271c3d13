package shapes

// Chat templates, written into tokenizer.chat_template. On import Ollama
// does not run this Jinja: it picks the nearest of its own Go templates
// (template.Named, an edit distance under 100) or none at all.
//
// Gemma 2's real template maps to Ollama's gemma-instruct, the template of
// the registry's gemma2 models, so it is written as published.
//
// Qwen2.5's and Qwen3's real templates (2 and 4 KB, with tool calls and
// thinking) match none of Ollama 0.17.4's templates: a model imported with
// them gets no template, and Ollama then renders only the user's text,
// dropping the system prompt that holds Kura's passages. So the Qwen models
// carry the plain ChatML template instead, which Ollama maps to its chatml
// template; for a conversation with a system prompt (Kura always sends one)
// and no tools, that renders the same tokens as the registry's qwen2.5
// template. The registry's qwen3 template adds an empty <think></think>
// block when thinking is off, a few tokens more.

// chatmlTemplate is ChatML as many models ship it; Ollama maps it to chatml.
const chatmlTemplate = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

// gemma2Template is the chat template of gemma-2-2b-it (also Gemma 1.1's).
const gemma2Template = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
	"{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
	"{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
	"{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}" +
	"{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}" +
	"{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
