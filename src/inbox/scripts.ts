/**
 * Redis scripts of the message log. Each runs atomically in one round trip.
 *
 * An inbox is a stream `inbox:<user>` with entry ids `<seq>-0` and fields `t` (ms), `a` (event
 * action), `d` (event data JSON without seq), next to a hash `inbox-meta:<user>` holding `epoch` and
 * `seq` (the head). The hash is never trimmed, so seqs stay gapless while old entries go; if it is
 * missing, the log was lost (or never existed) and starts again under a new epoch.
 *
 * The limits are written into the script text, so a call carries only what changes per message.
 */

export interface ScriptLimits {
  maxEvents: number;
  maxAgeMs: number;
  recentPerConversation: number;
  clientMsgIdTtlMs: number;
  archiveMaxBacklog: number;
}

/** Shared Lua: epochs, the meta hash, appending with trimming by count and age, a session's nodes. */
function lib(limits: ScriptLimits): string {
  return `
local MAX_EVENTS, MAX_AGE_MS = ${limits.maxEvents}, ${limits.maxAgeMs}

-- An epoch: 8 hex characters naming the user (so a cursor of another user's inbox is told apart),
-- then the caller's nonce, unique per call.
local function newEpoch(user, nonce)
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

-- Appends one event; returns its seq. The bounds are enforced every TRIM_EVERY appends (so up to
-- TRIM_EVERY - 1 extra events may wait for it): trimming on each append would double its cost, and
-- sync tells a device exactly what is still there.
local TRIM_EVERY = 16
local function append(stream, meta, user, nonce, action, data, ts)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  if seq == 1 and redis.call('HSETNX', meta, 'epoch', newEpoch(user, nonce)) == 1 then
    -- A new inbox, or one whose log was lost: whatever stream is left belongs to no epoch.
    redis.call('DEL', stream)
  end
  redis.call('XADD', stream, seq .. '-0', 't', ts, 'a', action, 'd', data)
  if seq % TRIM_EVERY == 0 then
    redis.call('XTRIM', stream, 'MAXLEN', MAX_EVENTS)
    trimOld(stream, ts - MAX_AGE_MS)
  end
  redis.call('PEXPIRE', stream, MAX_AGE_MS)
  return seq
end

local function nodesOf(session)
  local nodes = {}
  for _, field in ipairs(redis.call('HKEYS', session)) do
    if string.sub(field, 1, 4) == 'dev:' then nodes[#nodes + 1] = string.sub(field, 5) end
  end
  return nodes
end
`;
}

/**
 * Stores one private message: claims the client's message id, checks the recipient exists and the
 * archive is not too far behind, appends to the recipient's and the sender's inboxes, pushes it onto
 * the conversation's recent list and the archive stream, and returns where it went and the nodes
 * holding devices of both users.
 *
 * KEYS: users, cmid, toInbox, toMeta, fromInbox, fromMeta, recent, archive, toSession, fromSession
 * ARGV: toKey, fromKey, from, id, ts, message, conversation, useCmid ('1'/'0'), nonce
 * Returns {'ok', to, fromSeq, toSeq, toNodes, fromNodes} | {'dup', claim, storedData|false, toNodes, fromNodes}
 *       | {'unknown'} | {'busy'}
 */
export function storeChatScript(limits: ScriptLimits): string {
  return `${lib(limits)}
local toKey, fromKey, from, id, ts, message, conversation, nonce = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[9]
local useCmid = ARGV[8] == '1'
if useCmid then
  local claim = redis.call('GET', KEYS[2])
  if claim then
    local toSeq = string.match(claim, '^%S+ %S+ (%S+)')
    local stored = redis.call('XRANGE', KEYS[3], toSeq .. '-0', toSeq .. '-0')[1]
    return {'dup', claim, stored and stored[2][6] or false, nodesOf(KEYS[9]), nodesOf(KEYS[10])}
  end
end
local to = redis.call('HGET', KEYS[1], toKey)
if not to then return {'unknown'} end
if redis.call('XLEN', KEYS[8]) >= ${limits.archiveMaxBacklog} then return {'busy'} end

local data = cjson.encode({id = id, from = from, to = to, message = message, format = 'text', ts = ts})
local toSeq = append(KEYS[3], KEYS[4], toKey, nonce, 'chat', data, ts)
local fromSeq = toSeq
if KEYS[5] ~= KEYS[3] then fromSeq = append(KEYS[5], KEYS[6], fromKey, nonce, 'chat', data, ts) end

-- The recent list is cut back to its size once it holds twice as many: readers take the newest.
if redis.call('LPUSH', KEYS[7], data) > ${2 * limits.recentPerConversation} then redis.call('LTRIM', KEYS[7], 0, ${limits.recentPerConversation - 1}) end
redis.call('PEXPIRE', KEYS[7], MAX_AGE_MS)
redis.call('XADD', KEYS[8], '*', 'c', conversation, 'd', data)
if useCmid then
  redis.call('SET', KEYS[2], id .. ' ' .. fromSeq .. ' ' .. toSeq .. ' ' .. ARGV[5] .. ' ' .. to, 'PX', ${limits.clientMsgIdTtlMs})
end
return {'ok', to, fromSeq, toSeq, nodesOf(KEYS[9]), nodesOf(KEYS[10])}
`;
}

/**
 * Reads an inbox after a cursor. KEYS: inbox, meta. ARGV: user, after, limit, nonce, clientEpoch ('' if none).
 * Returns {epoch, head, firstSeq, entries}; firstSeq is the oldest seq still kept (head + 1 when
 * none is), entries are read only when the client's epoch is the current one.
 */
export function readInboxScript(limits: ScriptLimits): string {
  return `${lib(limits)}
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
  return `${lib(limits)}
ensureEpoch(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return {redis.call('HGET', KEYS[2], 'epoch'), tonumber(redis.call('HGET', KEYS[2], 'seq'))}
`;
}
