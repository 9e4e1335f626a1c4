/**
 * Words too common to say anything on the hot-words board, in the form `wordsOf` compares them
 * (lowercase, NFKC, straight apostrophe). Chinese entries follow how Intl.Segmenter splits text:
 * it keeps 我的 or 但是 as one word, so those are listed whole.
 */
const ENGLISH = `
a an the and or but nor if then else so because as than that this these those there here
of to in on at by for with from into onto over under up down out off about above below between through
after before during until while again once also only just too very not no yes
is am are was were be been being do does did doing have has had having
can could will would shall should may might must
i me my mine myself we us our ours you your yours he him his she her hers it its they them their theirs
what which who whom whose when where why how all any some each every both few more most other such own same
i'm i've i'll i'd you're you've you'll we're we've they're it's that's there's what's let's
don't doesn't didn't can't cannot won't wouldn't isn't aren't wasn't weren't haven't hasn't
ok okay oh hi hey yeah yep um uh hmm
`;

const CHINESE = `
的 了 是 在 着 过 和 与 及 或 而 但 但是 因为 所以 如果 虽然 然后 就 都 也 还 还是 又 再 才 很 太 更 最
我 你 您 他 她 它 们 我们 你们 他们 她们 它们 咱们 自己 大家
我的 你的 他的 她的 它的 我们的 你们的 他们的 我是 你是 他是 她是 这是 那是
这 那 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么
吗 呢 吧 啊 呀 哦 噢 嗯 哈 哈哈 哈哈哈 啦 嘛 么 哎 诶
被 把 让 给 对 从 向 到 于 为 以 之 其 个 些 里 上 下 中
有 没 没有 不 不是 是的 不要 一 一个 一些 一下 一样 一起
什么 怎么 怎么样 为什么 哪 哪里 哪个 谁 多少
会 能 可以 要 想 去 来 说 看 做 已经 可能 应该 就是 还有 现在
`;

export const STOP_WORDS: ReadonlySet<string> = new Set([...ENGLISH.split(/\s+/), ...CHINESE.split(/\s+/)].filter((w) => w !== ''));

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}
