// marked 12's inline rules (emStrong, punctuation) are regular expressions
// with `\p{L}`, `\p{N}`, `\p{P}` and `\p{S}` under the `u` flag, compiled when
// the module is evaluated: at build time on Kiln.
import { marked } from 'marked';

export const run = async () => ({
  html: marked.parse('**bold** _it_ ~~x~~'),
  accented: marked.parse('*Crème* __brûlée__ and **Ἀθῆναι**, snake_case_word, 5*3*2'),
  list: marked.parse('- 漢字 **強調**\n- émoji 😀 _ok_'),
});
