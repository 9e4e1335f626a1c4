/**
 * Redis scripts of the message log. Each runs atomically in one round trip.
 *
 * An inbox is a stream `inbox:<user>` with entry ids `<seq>-0` and fields `t` (ms), `a` (event
 * action), `d` (event data JSON without seq), next to a hash `inbox-meta:<user>` holding `epoch` and
 * `seq` (the head). The hash is never trimmed, so seqs stay gapless while old entries go; if it is
 * missing, the log was lost (or never existed) and starts again under a new epoch.
 *
 * The limits (and the session's device-field prefix) are written into the script text, so a call
 * carries only what changes per message.
 */

import { luaDeviceFieldNode, luaIsDeviceField } from '../session/device-fields.js';

export interface ScriptLimits {
  maxEvents: number;
  maxAgeMs: number;
  recentPerConversation: number;
  clientMsgIdTtlMs: number;
  archiveMaxBacklog: number;
}

/** Shared Lua: epochs, the meta hash, appending with trimming by count and age, a session's nodes. */
export function logLib(limits: ScriptLimits): string {
  return `
-- Numbers that only go back to Redis are strings: Lua turns a number into a command argument with
-- sprintf, a measurable share of the script's time.
local MAX_EVENTS, MAX_AGE_MS, MAX_AGE_MS_TEXT = '${limits.maxEvents}', ${limits.maxAgeMs}, '${limits.maxAgeMs}'

-- An epoch: 8 hex characters naming the user (so a cursor of another user's inbox is told apart),
-- then the caller's nonce, unique per call, and the index of the item within the call when a call
-- stores many (formatted only here: epochs are rarely made, messages often).
local function newEpoch(user, nonce, index)
  if index then nonce = nonce .. string.format('%02x', index) end
  return string.sub(redis.sha1hex(user), 1, 8) .. nonce
end

local function ensureEpoch(stream, meta, user, nonce)
  if redis.call('HSETNX', meta, 'epoch', newEpoch(user, nonce)) == 1 then
    redis.call('HSET', meta, 'seq', 0)
    redis.call('DEL', stream)
  end
end

local function seqOf(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- Drops entries older than cutoff from the front; bounded per call, a later append goes on.
local function trimOld(stream, cutoff)
  for _ = 1, 100 do
    local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if not first or tonumber(first[2][2]) >= cutoff then return end
    redis.call('XTRIM', stream, 'MINID', (seqOf(first[1]) + 1) .. '-0')
  end
end

-- Appends one event; returns its seq, as text (see above: it goes into the stream id and the reply,
-- and '%d' is several times cheaper than the '%.14g' Lua uses by itself). The bounds are enforced
-- every TRIM_EVERY appends (so up to TRIM_EVERY - 1 extra events may wait for it): trimming on each
-- append would double its cost, and sync tells a device exactly what is still there.
-- nonceIndex: see newEpoch (nil for a call that appends one item).
local TRIM_EVERY = 16
local function append(stream, meta, user, nonce, action, data, tsText, nonceIndex)
  local seq = redis.call('HINCRBY', meta, 'seq', '1')
  if seq == 1 and redis.call('HSETNX', meta, 'epoch', newEpoch(user, nonce, nonceIndex)) == 1 then
    -- A new inbox, or one whose log was lost: whatever stream is left belongs to no epoch.
    redis.call('DEL', stream)
  end
  local seqText = string.format('%d', seq)
  redis.call('XADD', stream, seqText .. '-0', 't', tsText, 'a', action, 'd', data)
  if seq % TRIM_EVERY == 0 then
    redis.call('XTRIM', stream, 'MAXLEN', MAX_EVENTS)
    trimOld(stream, tonumber(tsText) - MAX_AGE_MS)
  end
  redis.call('PEXPIRE', stream, MAX_AGE_MS_TEXT)
  return seqText
end

-- A stored message also goes onto its conversation's recent list (cut back to its size once it holds
-- twice as many: readers take the newest) and onto the archive stream.
local function toRecentAndArchive(P, conversation, data)
  local recent = P .. 'recent:' .. conversation
  if redis.call('LPUSH', recent, data) > ${2 * limits.recentPerConversation} then redis.call('LTRIM', recent, '0', '${limits.recentPerConversation - 1}') end
  redis.call('PEXPIRE', recent, MAX_AGE_MS_TEXT)
  redis.call('XADD', P .. 'archive', '*', 'c', conversation, 'd', data)
end

local function nodesOf(session)
  local nodes = {}
  for _, field in ipairs(redis.call('HKEYS', session)) do
    if ${luaIsDeviceField('field')} then nodes[#nodes + 1] = ${luaDeviceFieldNode('field')} end
  end
  return nodes
end

-- A session's field names joined by ',' (none holds one); the caller picks out the device fields.
-- Cheaper than nodesOf on the chat path: no Lua loop, and one string in the reply instead of a list.
local function sessionFieldsOf(session)
  return table.concat(redis.call('HKEYS', session), ',')
end
`;
}

/** How many values each message takes in the ARGV of `storeChatsScript`. */
const STORE_CHAT_FIELDS = 8;

/**
 * Stores a batch of private messages (all those of one event-loop turn), each as one unit: claims the
 * client's message id, checks the recipient exists and the archive is not too far behind, appends to
 * the recipient's and the sender's inboxes, pushes it onto the conversation's recent list and the
 * archive stream, and returns where it went and the nodes holding devices of both users. One call
 * per batch, not per message: the per-call costs (the client's command encoding, Redis' script
 * set-up) are paid once.
 *
 * Keys are built here from the prefix: every key of a message depends on the message.
 * ARGV: prefix, count, nonce (unique per call; each message's is it plus its index), then per message:
 *       toKey, fromKey, fromJson, id, ts, messageJson, conversation, clientMsgId ('' for none).
 *       `fromJson` and `messageJson` are JSON strings (quoted and escaped by the caller), so the
 *       stored event is put together without cjson.
 * Returns one entry per message: 'ok <fromSeq> <toSeq> <toSessionFields> <fromSessionFields> <to>'
 *       | {'dup', claim, storedData|false, toNodes, fromNodes} | 'unknown' | 'busy'.
 * A stored message is answered with one string, not a list: decoding nested replies, dozens per
 * call, was a measurable share of the node's time. Nothing in it holds a space (user names, node ids
 * and session field names cannot).
 * (sessionFields: a session hash's field names joined by ',', see sessionFieldsOf)
 */
export function storeChatsScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
local P, NONCE = ARGV[1], ARGV[3]
local USERS, ARCHIVE = P .. 'users', P .. 'archive'
local archiveFull = redis.call('XLEN', ARCHIVE) >= ${limits.archiveMaxBacklog}

local function storeOne(toKey, fromKey, fromJson, id, tsText, messageJson, conversation, cmid, index)
  local toInbox, fromInbox = P .. 'inbox:' .. toKey, P .. 'inbox:' .. fromKey
  local toSession, fromSession = P .. 'session:' .. toKey, P .. 'session:' .. fromKey
  local cmidKey = P .. 'cmid:' .. fromKey .. ':' .. cmid
  if cmid ~= '' then
    local claim = redis.call('GET', cmidKey)
    if claim then
      local toSeq = string.match(claim, '^%S+ %S+ (%S+)')
      local stored = redis.call('XRANGE', toInbox, toSeq .. '-0', toSeq .. '-0')[1]
      return {'dup', claim, stored and stored[2][6] or false, nodesOf(toSession), nodesOf(fromSession)}
    end
  end
  local to = redis.call('HGET', USERS, toKey)
  if not to then return 'unknown' end
  if archiveFull then return 'busy' end

  -- The id is the node's UUID (nothing to escape); the ChatMessage fields, in the protocol's order.
  local data = '{"id":"' .. id .. '","from":' .. fromJson .. ',"to":' .. cjson.encode(to) .. ',"message":' .. messageJson .. ',"format":"text","ts":' .. tsText .. '}'
  local toSeq = append(toInbox, P .. 'inbox-meta:' .. toKey, toKey, NONCE, 'chat', data, tsText, index)
  local fromSeq = toSeq
  if fromKey ~= toKey then fromSeq = append(fromInbox, P .. 'inbox-meta:' .. fromKey, fromKey, NONCE, 'chat', data, tsText, index) end

  toRecentAndArchive(P, conversation, data)
  if cmid ~= '' then
    redis.call('SET', cmidKey, id .. ' ' .. fromSeq .. ' ' .. toSeq .. ' ' .. tsText .. ' ' .. to, 'PX', '${limits.clientMsgIdTtlMs}')
  end
  return 'ok ' .. fromSeq .. ' ' .. toSeq .. ' ' .. sessionFieldsOf(toSession) .. ' ' .. sessionFieldsOf(fromSession) .. ' ' .. to
end

local results = {}
for i = 0, tonumber(ARGV[2]) - 1 do
  local b = 3 + i * ${STORE_CHAT_FIELDS}
  results[i + 1] = storeOne(ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5], ARGV[b + 6], ARGV[b + 7], ARGV[b + 8], i)
end
return results
`;
}

/**
 * Reads an inbox after a cursor. KEYS: inbox, meta. ARGV: user, after, limit, nonce, clientEpoch ('' if none).
 * Returns {epoch, head, firstSeq, entries}; firstSeq is the oldest seq still kept (head + 1 when
 * none is), entries are read only when the client's epoch is the current one.
 */
export function readInboxScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
ensureEpoch(KEYS[1], KEYS[2], ARGV[1], ARGV[4])
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local head = tonumber(redis.call('HGET', KEYS[2], 'seq'))
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local firstSeq = first and seqOf(first[1]) or head + 1
local entries = {}
local after = tonumber(ARGV[2])
if (ARGV[5] == '' or ARGV[5] == epoch) and after < head then
  entries = redis.call('XRANGE', KEYS[1], '(' .. after .. '-0', '+', 'COUNT', ARGV[3])
end
return {epoch, head, firstSeq, entries}
`;
}

/** The inbox's epoch and head, made if missing. KEYS: inbox, meta. ARGV: user, nonce. Returns {epoch, head}. */
export function inboxPositionScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
ensureEpoch(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return {redis.call('HGET', KEYS[2], 'epoch'), tonumber(redis.call('HGET', KEYS[2], 'seq'))}
`;
}

/**
 * Appends a push to one user's inbox (the offline queue: a device gets it at its next login or sync)
 * and returns where it went. ARGV: prefix, user key, push JSON (without seq), ts, nonce, claim key
 * ('' for none: a key naming this push, set with the append, so a push handed in twice is stored once),
 * push id.
 * Returns {'ok', seq, nodes} | {'dup'} | {'unknown'}.
 */
export function storePushScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
local P, user, claim = ARGV[1], ARGV[2], ARGV[6]
if not redis.call('HGET', P .. 'users', user) then return {'unknown'} end
if claim ~= '' and redis.call('SET', claim, '1', 'NX', 'PX', '${limits.maxAgeMs}') == false then return {'dup'} end
local seq = append(P .. 'inbox:' .. user, P .. 'inbox-meta:' .. user, user, ARGV[5], 'push', ARGV[3], ARGV[4])
-- Where the push went, for its delivery status (GET /push/:id).
redis.call('SET', P .. 'push:' .. ARGV[7], user .. ' ' .. seq, 'PX', '${limits.maxAgeMs}')
return {'ok', seq, nodesOf(P .. 'session:' .. user)}
`;
}

/** Receipts one ack produces at most; a larger step is finished by the device's next ack. */
export const RECEIPTS_PER_ACK = 1000;

/**
 * A device acknowledges its inbox up to seq: its position is kept (per named device, never moving
 * back), and each private message another user sent that no device had acknowledged yet gets its
 * receipt: a \`delivered\` event appended to its sender's inbox (so a sender offline now gets it at
 * the next login, as any event), returned with its seq there and the nodes holding the sender's devices.
 * ARGV: prefix, user key, device ('' for an unnamed one), seq, now (ms), nonce.
 * Returns {'ok', head, receipts: {id, senderKey, recipientSpelling, senderSeq, senderNodes}...} or {'ahead', head}.
 */
export function ackScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
local P, user, device, seq, now, nonce = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local meta, inbox = P .. 'inbox-meta:' .. user, P .. 'inbox:' .. user
local head = tonumber(redis.call('HGET', meta, 'seq') or '0')
if seq > head then return {'ahead', head} end
if device ~= '' then
  local acks = P .. 'acks:' .. user
  local before = tonumber(redis.call('HGET', acks, device) or '-1')
  if seq > before then redis.call('HSET', acks, device, ARGV[4]) end
end
local receipted = tonumber(redis.call('HGET', meta, 'receipted') or '0')
local receipts = {}
if seq > receipted then
  local entries = redis.call('XRANGE', inbox, '(' .. receipted .. '-0', seq .. '-0', 'COUNT', ${RECEIPTS_PER_ACK})
  local last = seq
  if #entries == ${RECEIPTS_PER_ACK} then last = seqOf(entries[#entries][1]) end
  for _, entry in ipairs(entries) do
    local fields = entry[2]
    if fields[4] == 'chat' then
      local message = cjson.decode(fields[6])
      local sender = string.lower(message['from'])
      if sender ~= user then
        local receipt = cjson.encode({id = message['id'], to = message['to']})
        local senderSeq = append(P .. 'inbox:' .. sender, P .. 'inbox-meta:' .. sender, sender, nonce, 'delivered', receipt, now)
        receipts[#receipts + 1] = {message['id'], sender, message['to'], senderSeq, nodesOf(P .. 'session:' .. sender)}
      end
    end
  end
  redis.call('HSET', meta, 'receipted', last)
end
return {'ok', head, receipts}
`;
}
