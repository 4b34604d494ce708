import t from 'tap';
import { choosePriority } from './buffer-policy.js';

const browser = { urgency: 1, incremental: true };

t.test('the player\'s buffer decides a segment\'s urgency, over the browser\'s generic signal', async (t) => {
  t.same(choosePriority('segment', browser, { bs: true, bl: 20000 }), { urgency: 1, incremental: false, chosenBy: 'cmcd', reason: 'starvation' });
  t.same(choosePriority('segment', null, { su: true }), { urgency: 1, incremental: false, chosenBy: 'cmcd', reason: 'startup' });
  t.same(choosePriority('segment', browser, { bl: 7000, d: 4000 }), { urgency: 2, incremental: false, chosenBy: 'cmcd', reason: 'buffer-low' });
  t.same(choosePriority('segment', browser, { bl: 12000, d: 4000 }), { urgency: 4, incremental: false, chosenBy: 'cmcd', reason: 'buffer-comfortable' });
  t.same(choosePriority('segment', browser, { bl: 20000 }), { urgency: 4, incremental: false, chosenBy: 'cmcd', reason: 'buffer-comfortable' }, 'a 4 s object assumed without d');
  t.same(choosePriority('segment', browser, { bl: 10000, d: 4000 }), { ...browser, chosenBy: 'client', reason: 'client-signal' }, 'between low and comfortable: the client\'s signal');
  t.same(choosePriority('segment', null, { bl: 10000, d: 4000 }), { urgency: 3, incremental: false, chosenBy: 'server', reason: 'class-default' });
});

t.test('manifests and init segments keep their class whatever the buffer; ot corrects the path\'s guess', async (t) => {
  t.same(choosePriority('manifest', null, { su: true, bs: true }), { urgency: 0, incremental: false, chosenBy: 'server', reason: 'class-default' });
  t.same(choosePriority('other', null, { ot: 'i' }), { urgency: 1, incremental: false, chosenBy: 'server', reason: 'object-type' });
  t.same(choosePriority('other', null, { ot: 'v', bs: true }), { urgency: 1, incremental: false, chosenBy: 'cmcd', reason: 'starvation' }, 'an unknown path named a video segment by ot');
  t.same(choosePriority('first-segment', null, { ot: 'v' }), { urgency: 2, incremental: false, chosenBy: 'server', reason: 'class-default' }, 'a first segment stays one');
  t.same(choosePriority('segment', { urgency: 5, incremental: false }, null), { urgency: 5, incremental: false, chosenBy: 'client', reason: 'client-signal' });
  t.same(choosePriority('prefetch', null, { ot: 'v', bs: true }), { urgency: 7, incremental: true, chosenBy: 'server', reason: 'class-default' }, 'a browser prefetch stays a prefetch');
});
