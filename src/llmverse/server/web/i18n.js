// Interface strings in English and Chinese; place and character names come from the world file.
export const STRINGS = {
  en: {
    title: "llmverse", login: "Log in", register: "Create account", name: "Name", password: "Password",
    logout: "Log out", chat: "Talk", assistant: "Assistant", gazette: "Gazette", send: "Send", ask: "Ask",
    walkTo: "Walk there", hint: "Click the map or use the arrow keys to walk.", you: "You",
    queued: (n, who) => (n === 0 ? `${who} is thinking…` : `${who} is busy: ${n} ahead of you`),
    thinking: (who) => `${who} is thinking…`, clickAgain: "The map has the focus: click again to walk there, or use the arrow keys.",
    emptyMessage: "Type something first.", busy: "Wait for your last question to be answered.",
    failed: "That did not work; try again.", cancelled: "Cancelled.",
    noGazette: "No gazette yet: each day's edition comes out the next morning, world time.", loginFailed: "Wrong name or password.", retry: (s) => `Too fast: try again in ${s}s`,
    nameTaken: (n) => `The name '${n}' is taken: choose another.`, closed: "Sign-up is closed: ask an admin for an account.",
    nameRules: (lo, hi) => `A name is ${lo}-${hi} characters: letters a-z, digits and '_', starting with a letter.`,
    passwordShort: (n) => `A password has at least ${n} characters.`,
    askPlaceholder: "How do I get to the museum?", chatPlaceholder: "Say something…", lang: "中文",
    suggest: "What to do?", suggestText: "What should I do now?",
  },
  zh: {
    title: "llmverse", login: "登录", register: "注册", name: "用户名", password: "密码",
    logout: "退出", chat: "对话", assistant: "助手", gazette: "镇报", send: "发送", ask: "提问",
    walkTo: "走过去", hint: "点击地图或用方向键行走。", you: "你",
    queued: (n, who) => (n === 0 ? `${who}正在思考…` : `${who}正忙：前面还有 ${n} 个`),
    thinking: (who) => `${who}正在思考…`, clickAgain: "地图已选中：再点一次走过去，或用方向键。",
    emptyMessage: "请先输入内容。", busy: "请等上一个问题回答完。", failed: "出错了，请再试一次。", cancelled: "已取消。",
    noGazette: "还没有镇报：每天的镇报在第二天早上（镇上时间）出版。", loginFailed: "用户名或密码错误。", retry: (s) => `太快了：请 ${s} 秒后再试`,
    nameTaken: (n) => `用户名“${n}”已被使用，请换一个。`, closed: "注册已关闭：请管理员为你开设账号。",
    nameRules: (lo, hi) => `用户名为 ${lo}–${hi} 个字符：英文字母、数字或下划线，以字母开头。`,
    passwordShort: (n) => `密码至少 ${n} 个字符。`,
    askPlaceholder: "博物馆怎么走？", chatPlaceholder: "说点什么…", lang: "English",
    suggest: "推荐", suggestText: "现在有什么推荐？",
  },
};

export function t(lang, key, ...args) {
  const v = (STRINGS[lang] || STRINGS.en)[key];
  return typeof v === "function" ? v(...args) : v ?? key;
}

export function nameIn(names, lang) {
  return (lang === "zh" && names.zh) || names.en;
}
