// The cleanup a piece hands back to Streamlit. Streamlit 1.67 calls a piece again with every run's
// data without calling the cleanup of the call before, and may call an older call's cleanup later,
// after a newer call has mounted the same element again (seen on a phone: the digit map stopped
// following the pen and ignored taps, its listeners removed under a live picture). So only the
// cleanup of the newest call on an element unmounts it; an older one does nothing.
//
//     return newestCleanup(view, view.unmount);   // view: what the piece keeps per element
export function newestCleanup(view, unmount) {
  const call = {};
  view.newestCall = call;
  return () => {
    if (view.newestCall === call) unmount();
  };
}
