// The cleanup a piece hands back to Streamlit. Streamlit 1.67 calls a piece again with every run's
// data without calling the cleanup of the call before, and may call an older call's cleanup later,
// after a newer call has mounted the same element again. What we saw fits that and nothing else
// we found: on a phone, under load, the digit map's picture stayed on screen while its listeners
// and its pen-following were gone (tests/test_among_class_browser.py failed 6 of 8 runs; with this,
// 0 of 3). So only the cleanup of the newest call on an element unmounts it; an older one does
// nothing.
//
//     return newestCleanup(view, view.unmount);   // view: what the piece keeps per element
export function newestCleanup(view, unmount) {
  const call = {};
  view.newestCall = call;
  return () => {
    if (view.newestCall === call) unmount();
  };
}
