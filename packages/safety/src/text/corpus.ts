import type { TextStage } from '../text-stages';

// Labelled synthetic conversations written for Haven (T10): grooming and sextortion progressions, and
// the ordinary chats of teenagers and families that must not trigger, with hard cases (a surprise
// party kept secret, "add me on snap" between classmates, a parent asking for a photo of the bus stop).
// Generated from templates by a seeded generator, so the same corpus comes out everywhere; nothing is
// downloaded. Each conversation has a fixed split: `train` (fits the model), `tune` (sets thresholds),
// `test` (held out: never used for fitting or tuning; only the bench reads it).

export type Split = 'train' | 'tune' | 'test';
export type ConversationKind = 'grooming' | 'sextortion' | 'ordinary';

export interface CorpusMessage {
  /** `suspect` is the adult in a grooming or sextortion conversation; everyone else is `other`. */
  from: 'suspect' | 'other';
  text: string;
  /** The stages this message shows (empty for ordinary lines). */
  stages: TextStage[];
}

export interface CorpusConversation {
  id: string;
  kind: ConversationKind;
  /** What the conversation is, for people reading the corpus (`homework`, `grooming: slow`, …). */
  topic: string;
  split: Split;
  messages: CorpusMessage[];
  /** Every stage any message shows. */
  stages: TextStage[];
}

/** xorshift32: the same corpus on every machine. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, pick, chance: (p: number) => next() < p };
}
type R = ReturnType<typeof rng>;

const SLOTS: Record<string, readonly string[]> = {
  name: ['Sam', 'Alex', 'Jordan', 'Maya', 'Leo', 'Priya', 'Tom', 'Zara', 'Ellie', 'Josh', 'Aisha', 'Ben', 'Chloe', 'Kai', 'Noah', 'Ruby'],
  game: ['Fortnite', 'Roblox', 'Minecraft', 'FIFA', 'Valorant', 'Among Us', 'Rocket League', 'Apex'],
  app: ['Snapchat', 'snap', 'WhatsApp', 'Telegram', 'Discord', 'Kik', 'Insta', 'Wickr', 'Signal', 'TikTok DMs'],
  place: ['the park', 'the shopping centre', 'McDonalds', 'the station', 'the cinema', 'the leisure centre', 'Costa', 'the library'],
  subject: ['maths', 'chemistry', 'history', 'French', 'English', 'biology', 'geography', 'physics'],
  sport: ['football', 'netball', 'swimming', 'hockey', 'basketball', 'rugby', 'athletics'],
  gift: ['a new phone', 'V-Bucks', 'Robux', 'a gift card', 'some new trainers', 'AirPods', 'a PS5 game', '£50'],
  amount: ['£100', '£200', '£500', '$300', '£150', '£50 in gift cards', '300 quid'],
  time: ['5', 'half 4', '6', '7', 'after school', 'tomorrow morning', 'Saturday'],
  age: ['13', '14', '15', '16', '17'],
  relative: ['mum', 'dad', 'parents', 'your mum', 'your dad', 'your parents', 'anyone', 'your friends', 'your teacher'],
  body: ['in your pyjamas', 'in the mirror', 'without your top', 'in your bikini', 'in bed', 'just for me'],
};

function fill(r: R, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => r.pick(SLOTS[k] ?? [k]));
}

/** Lines that show each stage, as a suspect writes them: many ways to say the same thing. */
const STAGE_LINES: Record<TextStage, readonly string[]> = {
  'text.age_location': [
    'how old are you btw?', 'what age are u', 'so are you like {age}?', 'what school do you go to?', 'where do you live?',
    'which town are you in', 'what area are u from', 'do you live near {place}?', 'what year are you in at school', 'r u home alone much?',
    'whats ur postcode lol', 'are your parents home right now?', 'do you have your own room?', 'u still in school?', 'asl?',
  ],
  'text.flattery_gifts': [
    "you're so mature for your age", 'you are really pretty you know that', "you're not like other girls", 'you are way more grown up than people your age',
    'I could get you {gift} if you want', 'want me to send you {gift}?', 'i can buy you {gift}, no strings', "you're gorgeous honestly",
    'youre so special to me', 'I bought you {gift} already haha', "I'll top up your {game} account", 'you deserve someone who treats you right',
    'ur so beautiful', 'you could be a model seriously',
  ],
  'text.secrecy': [
    "don't tell {relative} about us", 'keep this between us ok?', 'delete these messages after', "this is our little secret", 'dont tell anyone we talk',
    'make sure you delete this chat', "your {relative} wouldn't understand, so don't say anything", 'clear your chat history ok',
    'nobody needs to know about this', 'if anyone asks say im a friend from school', 'delete this convo', 'promise you wont tell',
  ],
  'text.isolation': [
    "your friends don't really get you like I do", "your parents don't understand you", "i'm the only one who really cares about you",
    "you don't need them, you've got me", 'your {relative} are too strict with you', "they don't deserve you", 'only I understand you',
    "your friends are just jealous of us", "you can't trust {relative}, you can trust me", 'forget them, talk to me instead',
  ],
  'text.move_platform': [
    "let's talk on {app} instead", 'add me on {app}', 'do you have {app}? its more private', 'message me on {app} this app is rubbish',
    'whats your {app}', "let's move to {app}, messages disappear there", 'can we switch to {app}', 'give me your number and we can text',
    'download {app} and add me', 'is there somewhere more private we can chat',
  ],
  'text.image_request': [
    'send me a pic', 'can i see a photo of you {body}', 'send a selfie {body}', 'show me what you look like {body}', 'send me a picture, just one',
    'can you send me a video?', 'take a photo for me {body}', 'go on send a pic nobody will see', 'i want to see you {body}',
    'turn your camera on', 'send something special for me', 'one more pic please, a bit more this time',
  ],
  'text.meeting': [
    "let's meet up, I can pick you up", 'we should meet at {place}', "I'll come and get you after school", 'can we meet? just us',
    "i'm going to be near {place} on {time}, come meet me", 'I can drive over to yours', "let's meet, don't bring anyone",
    'I could pick you up from school', "i'll book us a room", 'meet me at {place} at {time}, come alone',
  ],
  'text.threats': [
    "send me {amount} or I'll send your pics to everyone", "if you don't pay {amount} I'll post these online", 'I have your pictures, your friends will all see them',
    "I'll send this to your {relative} unless you pay", 'pay {amount} now or your life is over', "you've got an hour to send {amount}",
    "i will share your nudes with your whole school", 'do what I say or everyone sees the video', "I know where you live, send more or else",
    "I'll ruin your life if you block me", 'send {amount} in gift cards or I post it',
  ],
};

/** What the child says between the suspect's lines (neutral). */
const CHILD_LINES = [
  'ok', 'lol', 'idk', 'haha yeah', 'why?', 'um ok', 'maybe', "i dunno", 'yeah', 'really?', 'hmm', 'i guess', 'not sure', 'omg', 'no way',
  "i'm {age}", 'near {place}', 'thanks', 'please stop', "i don't want to", "i'm scared", 'ok i will', 'i have to go',
];

/** Small talk a suspect uses between the stages. */
const SUSPECT_FILLER = [
  'hey how was your day', 'what are you up to', 'do you play {game}?', 'haha that is funny', 'same lol', 'what music do you like',
  'i love {game} too', 'how was school', 'good night', 'morning :)', 'what you doing this weekend', 'that sounds fun',
];

/** Ordinary conversations: topics with lines for both sides, including hard negatives. */
const ORDINARY: Record<string, readonly string[]> = {
  homework: [
    'did you do the {subject} homework?', 'what page was it', 'can you send me a pic of the worksheet', 'the {subject} test is on friday',
    'i dont get question 4', 'miss said its due tomorrow', 'send me a photo of your notes pls', 'i got a 7 on the mock!', 'want to revise at {place}?',
    'the teacher is so strict', 'we have {subject} first thing', 'what did you get for number 3', 'thanks you saved me',
  ],
  sport: [
    'training is at {time} tomorrow', 'coach said we need to be there early', 'did you see the {sport} match', 'we won 3-1!', 'my legs are dead after that',
    'are you coming to the game saturday', 'bring your kit', 'who got picked for the team?', 'meet at {place} before the match', 'great goal today',
    'my mum can give you a lift to {sport}', 'send me the video of the goal',
  ],
  games: [
    'you on {game} tonight?', 'get on {game}', 'that last round was insane', 'i got a victory royale', 'add me on {app} so we can voice chat for {game}',
    'whats your {game} username', 'i need to grind for the battle pass', 'my wifi is so laggy', 'gg', 'one more game then bed',
    'did you get the new skin', 'join my party', 'my mum said 1 more hour',
  ],
  banter: [
    'lol you are so weird', 'stop it haha', 'that is so embarrassing delete that video', 'did you see what {name} posted', 'omg no way',
    "don't tell {name} i said that lol", 'we should go to {place} after school', 'you are literally so funny', 'whats the gossip', 'bruh',
    'add me on {app}', 'whats your snap', 'youre the best friend ever', 'that hoodie is so nice where did you get it',
  ],
  family: [
    'where are you?', 'what time will you be home', 'dinner is at 6', 'are you at {name}s house?', 'text me when you get there',
    'can you pick up milk on the way home', 'send me a photo of the bus timetable', 'dad will pick you up at {time}', 'did you take your keys?',
    'love you, be safe', 'which bus are you getting', 'grandma says hi', 'remember you have the dentist tomorrow', "don't be late",
    'share your location with me please', 'how old is {name} now?', 'what school is {name} going to next year?',
  ],
  surprise: [
    "don't tell {name} about the party, it's a surprise", 'keep it secret ok its for mums birthday', 'delete the group chat before she sees it lol',
    'we need to buy the present', 'shh dont say anything to {name}', 'meet at {place} at {time} to get the cake', 'its our little secret until saturday',
    'did you get the card', 'she is going to be so happy',
  ],
  plans: [
    'are we still going to {place}?', 'meet at {place} at {time}?', 'can you come round to mine', 'my mum can drive us', 'whos coming',
    'i cant come im grounded', 'lets go to the cinema saturday', 'bring snacks', 'what time does it start', 'see you there',
  ],
  // Added for issue 11 (more ordinary data): lifts, siblings, innocent secrets, "don't tell" jokes,
  // parents checking in, and more of the everyday teenage talk that shares words with the stages.
  lifts: [
    'can you pick me up from {place} at {time}?', "i'll pick you up after {sport}", 'dad is outside in the car', 'wait by the gate, ill be 5 mins',
    'can {name} get a lift home with us?', 'mum is running late, wait inside school', 'which door do i pick you up from', 'im at the front now',
    'your nan will collect you from school today', 'can you drop me at {place} on the way', 'the bus is cancelled can someone get me',
    'ill meet you at the station after school', 'thanks for the lift', 'text me when youre ready to be picked up',
  ],
  siblings: [
    'get out of my room', "don't tell mum i broke it", "i'm telling dad", 'you ate my chocolate', 'give me my charger back',
    'stop using all the hot water', 'mum says its your turn to do the dishes', 'can i borrow your hoodie', 'who finished the cereal',
    'dont tell mum i was on {game} past bedtime', 'shes so annoying', 'keep the noise down im revising', 'i wont tell if you do the washing up',
    'you owe me {gift} now lol',
  ],
  checkin: [
    'where are you right now?', 'are you home yet?', 'is {name} with you?', 'call me when you see this', 'why is your location off?',
    'your phone was off all afternoon', 'are you still at {place}?', 'come home straight after school please', 'who are you with?',
    'what time does {sport} finish', 'make sure you eat something', 'did you get there ok?', 'answer your phone please', 'home by {time} ok',
    'is your homework done?',
  ],
  secrets: [
    "don't tell anyone but i got into the team", 'promise you wont tell {name} who i fancy', 'keep it between us but i think {name} likes you',
    "i'm planning to surprise {name} for her birthday", "dont say anything to {name}, she wants to tell you herself", 'its a secret until the results come out',
    'we are getting a puppy but dont tell {name} yet', 'delete that photo its so bad lol', 'nobody knows im leaving the club yet',
    'you have to promise not to laugh', 'dont tell {relative} i failed the test, ill tell them myself', 'hide the present in your wardrobe',
  ],
  jokes: [
    "don't tell anyone but i actually like {subject}", 'lol keep this between us, i still watch cartoons', 'you are so dead when {name} sees this',
    'this is going in the group chat haha', 'never speak of this again', 'i will never tell, your secret is safe lol', 'ur so dramatic',
    'send me the funny pic of {name}', 'bro what was that', 'im literally crying laughing', "don't tell the teacher we copied lol",
    'that meme is so accurate', 'dead', 'you look like {name} in that photo',
  ],
  chores: [
    'can you hoover your room before dinner', 'feed the cat please', 'put the washing out', 'we need bread and eggs', 'take the bins out tonight',
    'your pocket money is on your card', 'can you send me a pic of the receipt', 'tidy your room before grandma comes', 'the wifi password is on the fridge',
    'dont forget your PE kit', 'have you done your reading', 'switch the oven off at {time}',
  ],
  clubs: [
    'band practice is moved to {time}', 'did you bring your violin', 'the drama rehearsal ran late', 'are you doing the {sport} trials',
    'scouts camping trip forms are due', 'coach wants photos for the club page', 'can you come to the match on {time}', 'we need another player',
    'the minibus leaves at {time}', 'ask your parents to sign the consent form', 'great performance tonight', 'my mum is driving the team',
  ],
};

/**
 * Every fifth line of each pool is kept for the held-out split only, so the test set measures phrasings
 * the model and the thresholds never saw, not just new fillings of the same templates.
 */
let heldOut = false;
const usable = (pool: readonly string[]) => (heldOut ? pool : pool.filter((_, i) => i % 5 !== 4));

function suspectLine(r: R, stage: TextStage): CorpusMessage {
  return { from: 'suspect', text: fill(r, r.pick(usable(STAGE_LINES[stage]))), stages: [stage] };
}

function chatter(r: R, pool: readonly string[], from: 'suspect' | 'other'): CorpusMessage {
  return { from, text: fill(r, r.pick(usable(pool))), stages: [] };
}

const GROOMING_ORDER: readonly TextStage[] = [
  'text.age_location', 'text.flattery_gifts', 'text.isolation', 'text.secrecy', 'text.move_platform', 'text.image_request', 'text.meeting',
];

function grooming(r: R): { topic: string; messages: CorpusMessage[] } {
  // A realistic progression: some stages, in order, with small talk between them.
  const stages = GROOMING_ORDER.filter(() => r.chance(0.55));
  if (stages.length < 2) stages.push(r.pick(['text.secrecy', 'text.image_request', 'text.move_platform'] as const));
  const messages: CorpusMessage[] = [];
  for (let i = 0; i < 1 + Math.floor(r.next() * 3); i++) messages.push(chatter(r, SUSPECT_FILLER, 'suspect'), chatter(r, CHILD_LINES, 'other'));
  for (const s of stages) {
    messages.push(suspectLine(r, s));
    if (r.chance(0.8)) messages.push(chatter(r, CHILD_LINES, 'other'));
    if (r.chance(0.4)) messages.push(suspectLine(r, s), chatter(r, CHILD_LINES, 'other'));
    if (r.chance(0.5)) messages.push(chatter(r, SUSPECT_FILLER, 'suspect'));
  }
  return { topic: `grooming: ${stages.length} stages`, messages };
}

function sextortion(r: R): { topic: string; messages: CorpusMessage[] } {
  const messages: CorpusMessage[] = [chatter(r, SUSPECT_FILLER, 'suspect'), chatter(r, CHILD_LINES, 'other')];
  if (r.chance(0.7)) messages.push(suspectLine(r, 'text.flattery_gifts'), chatter(r, CHILD_LINES, 'other'));
  if (r.chance(0.4)) messages.push(suspectLine(r, 'text.move_platform'), chatter(r, CHILD_LINES, 'other'));
  messages.push(suspectLine(r, 'text.image_request'), chatter(r, CHILD_LINES, 'other'));
  messages.push(suspectLine(r, 'text.threats'), chatter(r, CHILD_LINES, 'other'));
  if (r.chance(0.6)) messages.push(suspectLine(r, 'text.threats'));
  return { topic: 'sextortion', messages };
}

function ordinary(r: R): { topic: string; messages: CorpusMessage[] } {
  const topic = r.pick(Object.keys(ORDINARY));
  const pool = ORDINARY[topic]!;
  const n = 4 + Math.floor(r.next() * 9);
  const messages: CorpusMessage[] = [];
  for (let i = 0; i < n; i++) messages.push(chatter(r, r.chance(0.8) ? pool : ORDINARY[r.pick(Object.keys(ORDINARY))]!, 'other'));
  return { topic, messages };
}

const splitOf = (i: number): Split => (i % 10 < 5 ? 'train' : i % 10 < 7 ? 'tune' : 'test');

/**
 * The corpus: `grooming`, `sextortion` and `ordinary` conversations (default 120, 60, 840), each with its
 * split. Deterministic for a given seed.
 *
 * @example corpus().filter((c) => c.split === 'test').length // 306
 */
export function corpus(opts: { seed?: number; grooming?: number; sextortion?: number; ordinary?: number } = {}): CorpusConversation[] {
  const r = rng(opts.seed ?? 20261130);
  const make: [ConversationKind, number, (r: R) => { topic: string; messages: CorpusMessage[] }][] = [
    ['grooming', opts.grooming ?? 120, grooming],
    ['sextortion', opts.sextortion ?? 60, sextortion],
    ['ordinary', opts.ordinary ?? 840, ordinary],
  ];
  const out: CorpusConversation[] = [];
  for (const [kind, count, gen] of make) {
    for (let i = 0; i < count; i++) {
      const split = splitOf(i);
      heldOut = split === 'test';
      const { topic, messages } = gen(r);
      out.push({ id: `${kind}-${i}`, kind, topic, split, messages, stages: [...new Set(messages.flatMap((m) => m.stages))] });
    }
  }
  heldOut = false;
  return out;
}
