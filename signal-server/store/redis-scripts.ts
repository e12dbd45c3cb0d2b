/**
 * The Lua scripts of the Redis store: each check and the write it guards run as one, so limits hold
 * with several nodes writing at once. ARGV[1] is always the key prefix P. Keys: P.users (set of user
 * keys), P.user:K (hash), P.msg:ID (hash), P.conv:LEN:A:B (zset of ids, by seq), P.peers:K (set),
 * P.pending:K (zset: waiting for K), P.waiting:K (set: K's, waiting), P.kept:K (zset: delivered to
 * K), P.unread:K (hash sender -> count), P.vm:ID (hash), P.audio:ID, P.vms:K (zset: to K),
 * P.vmsfrom:K (set), P.unheard:K (set: K's, unheard), P.seq (counter). Times are strings of ms.
 */

const PRELUDE = `
local P = ARGV[1]
local function user(key) return P .. 'user:' .. key end
local function msg(id) return P .. 'msg:' .. id end
local function nameOf(key) return redis.call('HGET', user(key), 'name') end
local function conv(a, b)
  if b < a then a, b = b, a end
  return P .. 'conv:' .. #a .. ':' .. a .. ':' .. b
end
local function unreadLess(recipient, sender)
  if redis.call('HINCRBY', P .. 'unread:' .. recipient, sender, -1) <= 0 then redis.call('HDEL', P .. 'unread:' .. recipient, sender) end
end
local function message(id)
  local m = redis.call('HMGET', msg(id), 'from', 'to', 'text', 'sentAt', 'deliveredAt', 'readAt')
  return { id, m[1], nameOf(m[1]), m[2], nameOf(m[2]), m[3], m[4], m[5] or '', m[6] or '' }
end
local function messages(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = message(id) end
  return out
end
local function voicemail(id)
  local v = redis.call('HMGET', P .. 'vm:' .. id, 'from', 'to', 'format', 'durationMs', 'bytes', 'createdAt', 'heardAt')
  return { id, v[1], nameOf(v[1]), v[2], nameOf(v[2]), v[3], v[4], v[5], v[6], v[7] or '' }
end
local function dropVoicemail(id)
  local v = redis.call('HMGET', P .. 'vm:' .. id, 'from', 'to')
  if not v[1] then return 0 end
  redis.call('DEL', P .. 'vm:' .. id, P .. 'audio:' .. id)
  redis.call('ZREM', P .. 'vms:' .. v[2], id)
  redis.call('SREM', P .. 'unheard:' .. v[1], id)
  redis.call('SREM', P .. 'vmsfrom:' .. v[1], id)
  return 1
end
`;

/** ARGV: key, name, at, owner hash ('' for none), maxDirectoryUsers. Answers {'stored', firstSeen, owner} or {'refused', reason}. */
export const SAW_USER = `${PRELUDE}
local key, name, at, owner = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local u = user(key)
if redis.call('EXISTS', u) == 0 then
  if redis.call('SCARD', P .. 'users') >= tonumber(ARGV[6]) then return { 'refused', 'directory-full' } end
  redis.call('SADD', P .. 'users', key)
  redis.call('HSET', u, 'firstSeen', at)
end
redis.call('HSET', u, 'name', name, 'lastSeen', at)
if owner ~= '' then redis.call('HSETNX', u, 'owner', owner) end
local kept = redis.call('HMGET', u, 'firstSeen', 'owner')
return { 'stored', kept[1], kept[2] or '' }`;

/** Every user: key, name, firstSeen, lastSeen, owner ('' for none), flat. */
export const DIRECTORY = `${PRELUDE}
local out = {}
for _, key in ipairs(redis.call('SMEMBERS', P .. 'users')) do
  local u = redis.call('HMGET', user(key), 'name', 'firstSeen', 'lastSeen', 'owner')
  for _, field in ipairs({ key, u[1], u[2], u[3], u[4] or '' }) do out[#out + 1] = field end
end
return out`;

/** ARGV: key. Removes the user with every message and voicemail to or from them: {name, messages, voicemails}, or nil. */
export const FORGET = `${PRELUDE}
local key = ARGV[2]
local name = nameOf(key)
if not name then return false end
local count = 0
for _, peer in ipairs(redis.call('SMEMBERS', P .. 'peers:' .. key)) do
  local c = conv(key, peer)
  for _, id in ipairs(redis.call('ZRANGE', c, 0, -1)) do
    local m = redis.call('HMGET', msg(id), 'from', 'to')
    -- The peer's own indexes; the forgotten user's go whole below.
    if m[2] == peer then
      redis.call('ZREM', P .. 'pending:' .. peer, id)
      redis.call('ZREM', P .. 'kept:' .. peer, id)
    end
    if m[1] == peer then redis.call('SREM', P .. 'waiting:' .. peer, id) end
    redis.call('DEL', msg(id))
    count = count + 1
  end
  redis.call('DEL', c)
  if peer ~= key then
    redis.call('SREM', P .. 'peers:' .. peer, key)
    redis.call('HDEL', P .. 'unread:' .. peer, key)
  end
end
local voicemails = 0
for _, id in ipairs(redis.call('ZRANGE', P .. 'vms:' .. key, 0, -1)) do voicemails = voicemails + dropVoicemail(id) end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'vmsfrom:' .. key)) do voicemails = voicemails + dropVoicemail(id) end
for _, index in ipairs({ 'user:', 'peers:', 'pending:', 'waiting:', 'kept:', 'unread:', 'vms:', 'vmsfrom:', 'unheard:' }) do
  redis.call('DEL', P .. index .. key)
end
redis.call('SREM', P .. 'users', key)
return { name, count, voicemails }`;

/**
 * ARGV: from, to, id, text, sentAt, maxUndeliveredPerRecipient, maxUndeliveredPerSender.
 * Answers {'stored', fromName, toName} or {'refused', reason}.
 */
export const STORE_MESSAGE = `${PRELUDE}
local from, to, id = ARGV[2], ARGV[3], ARGV[4]
local fromName, toName = nameOf(from), nameOf(to)
if not fromName then return { 'refused', 'unknown-sender' } end
if not toName then return { 'refused', 'unknown-recipient' } end
if redis.call('ZCARD', P .. 'pending:' .. to) >= tonumber(ARGV[7]) then return { 'refused', 'recipient-full' } end
if redis.call('SCARD', P .. 'waiting:' .. from) >= tonumber(ARGV[8]) then return { 'refused', 'sender-full' } end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', msg(id), 'from', from, 'to', to, 'text', ARGV[5], 'sentAt', ARGV[6], 'seq', seq)
redis.call('ZADD', P .. 'pending:' .. to, seq, id)
redis.call('SADD', P .. 'waiting:' .. from, id)
redis.call('ZADD', conv(from, to), seq, id)
redis.call('HINCRBY', P .. 'unread:' .. to, from, 1)
redis.call('SADD', P .. 'peers:' .. from, to)
redis.call('SADD', P .. 'peers:' .. to, from)
return { 'stored', fromName, toName }`;

/** ARGV: recipient. Its waiting messages, oldest first, each as {id, from, fromName, to, toName, text, sentAt, deliveredAt, readAt}. */
export const PENDING = `${PRELUDE}
return messages(redis.call('ZRANGE', P .. 'pending:' .. ARGV[2], 0, -1))`;

/** ARGV: asker, peer, limit, before ('' for the latest). Newest first. */
export const CONVERSATION = `${PRELUDE}
local c = conv(ARGV[2], ARGV[3])
local below = '+inf'
if ARGV[5] ~= '' then
  local seq = redis.call('ZSCORE', c, ARGV[5])
  if not seq then return {} end
  below = '(' .. seq
end
return messages(redis.call('ZREVRANGEBYSCORE', c, below, '-inf', 'LIMIT', 0, tonumber(ARGV[4])))`;

/**
 * ARGV: recipient, at, maxKeptMessagesPerRecipient, 'read' or 'delivered', then the ids (no repeats).
 * Marks them; answers each change of the asked state as {id, from, deliveredAt}. Delivered
 * messages beyond the cap go, oldest first.
 */
export const MARK = `${PRELUDE}
local recipient, at, reading = ARGV[2], ARGV[3], ARGV[5] == 'read'
local kept = P .. 'kept:' .. recipient
local receipts = {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local m = redis.call('HMGET', msg(id), 'from', 'to', 'deliveredAt', 'readAt', 'seq')
  if m[2] == recipient then
    local deliveredAt = m[3]
    if not deliveredAt then
      deliveredAt = at
      redis.call('HSET', msg(id), 'deliveredAt', at)
      redis.call('ZREM', P .. 'pending:' .. recipient, id)
      redis.call('SREM', P .. 'waiting:' .. m[1], id)
      redis.call('ZADD', kept, m[5], id)
      if not reading then receipts[#receipts + 1] = { id, m[1], at } end
    end
    if reading and not m[4] then
      redis.call('HSET', msg(id), 'readAt', at)
      unreadLess(recipient, m[1])
      receipts[#receipts + 1] = { id, m[1], deliveredAt }
    end
  end
end
local excess = redis.call('ZCARD', kept) - tonumber(ARGV[4])
if excess > 0 then
  for _, id in ipairs(redis.call('ZRANGE', kept, 0, excess - 1)) do
    local m = redis.call('HMGET', msg(id), 'from', 'readAt')
    if not m[2] then unreadLess(recipient, m[1]) end
    redis.call('ZREM', conv(m[1], recipient), id)
    redis.call('DEL', msg(id))
  end
  redis.call('ZREMRANGEBYRANK', kept, 0, excess - 1)
end
return receipts`;

/** ARGV: recipient. Each sender with messages to it not read yet: from, name, count, flat. */
export const UNREAD = `${PRELUDE}
local counts = redis.call('HGETALL', P .. 'unread:' .. ARGV[2])
local out = {}
for i = 1, #counts, 2 do
  for _, field in ipairs({ counts[i], nameOf(counts[i]), counts[i + 1] }) do out[#out + 1] = field end
end
return out`;

/**
 * ARGV: from, to, id, format, durationMs, bytes, createdAt, maxVoicemailsPerRecipient,
 * maxUnheardVoicemailsPerSender, audio. Answers {'stored', fromName, toName} or {'refused', reason}.
 */
export const STORE_VOICEMAIL = `${PRELUDE}
local from, to, id = ARGV[2], ARGV[3], ARGV[4]
local fromName, toName = nameOf(from), nameOf(to)
if not fromName then return { 'refused', 'unknown-sender' } end
if not toName then return { 'refused', 'unknown-recipient' } end
if redis.call('ZCARD', P .. 'vms:' .. to) >= tonumber(ARGV[9]) then return { 'refused', 'mailbox-full' } end
if redis.call('SCARD', P .. 'unheard:' .. from) >= tonumber(ARGV[10]) then return { 'refused', 'too-many-unheard' } end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', P .. 'vm:' .. id, 'from', from, 'to', to, 'format', ARGV[5], 'durationMs', ARGV[6], 'bytes', ARGV[7], 'createdAt', ARGV[8])
redis.call('SET', P .. 'audio:' .. id, ARGV[11])
redis.call('ZADD', P .. 'vms:' .. to, seq, id)
redis.call('SADD', P .. 'unheard:' .. from, id)
redis.call('SADD', P .. 'vmsfrom:' .. from, id)
return { 'stored', fromName, toName }`;

/** ARGV: recipient. Its voicemails, newest first, each {id, from, fromName, to, toName, format, durationMs, bytes, createdAt, heardAt}. */
export const VOICEMAILS_FOR = `${PRELUDE}
local out = {}
for i, id in ipairs(redis.call('ZREVRANGE', P .. 'vms:' .. ARGV[2], 0, -1)) do out[i] = voicemail(id) end
return out`;

/** ARGV: recipient, id. The recording, or nil when it is not the recipient's. */
export const AUDIO = `${PRELUDE}
if redis.call('HGET', P .. 'vm:' .. ARGV[3], 'to') ~= ARGV[2] then return false end
return redis.call('GET', P .. 'audio:' .. ARGV[3])`;

/** ARGV: recipient, id, at. Marks it heard (once) and answers it, or nil when it is not the recipient's. */
export const HEAR = `${PRELUDE}
local v = redis.call('HMGET', P .. 'vm:' .. ARGV[3], 'from', 'to', 'heardAt')
if v[2] ~= ARGV[2] then return false end
if not v[3] then
  redis.call('HSET', P .. 'vm:' .. ARGV[3], 'heardAt', ARGV[4])
  redis.call('SREM', P .. 'unheard:' .. v[1], ARGV[3])
end
return voicemail(ARGV[3])`;

/** ARGV: recipient, id. 1 when it was the recipient's and is gone, else 0. */
export const DELETE_VOICEMAIL = `${PRELUDE}
if redis.call('HGET', P .. 'vm:' .. ARGV[3], 'to') ~= ARGV[2] then return 0 end
return dropVoicemail(ARGV[3])`;
